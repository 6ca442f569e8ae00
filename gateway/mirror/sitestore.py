"""Where a parent keeps its sites' records: SQLite at a township centre (data/mirror.db),
PostgreSQL at the county (gateway/mirror/pgstore.py). One schema and one set of
statements; the two differ only in how they connect and lock.

  sites     one row per site: its store's tag, the child it comes through, the head
            (highest seq held with everything before it), when it was last heard, its status
  records   (hall_id, seq) unique: the site's log as it was sent, chain_ok per record
  findings  what the chain checks reported (altered, chain, differs, new_store)
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from gateway import disk
from gateway.mirror.chain import Head, Verdict

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS sites (hall_id TEXT PRIMARY KEY, tag TEXT NOT NULL, via TEXT NOT NULL,
       head_seq BIGINT NOT NULL DEFAULT 0, head_hash TEXT, first_seen DOUBLE PRECISION NOT NULL,
       last_seen DOUBLE PRECISION NOT NULL, duplicates BIGINT NOT NULL DEFAULT 0, status TEXT,
       status_at DOUBLE PRECISION)""",
    """CREATE TABLE IF NOT EXISTS records (hall_id TEXT NOT NULL, seq BIGINT NOT NULL, record TEXT NOT NULL,
       prev TEXT NOT NULL, hash TEXT NOT NULL, chain_ok BOOLEAN NOT NULL, at DOUBLE PRECISION,
       received_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (hall_id, seq))""",
    """CREATE TABLE IF NOT EXISTS findings (hall_id TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
       detail TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, PRIMARY KEY (hall_id, seq, kind))""",
]


def _at(record: str) -> float | None:
    try:
        at = json.loads(record)["cmd"].get("at")
    except (ValueError, KeyError, AttributeError, TypeError):
        return None
    return float(at) if isinstance(at, int | float) and not isinstance(at, bool) else None


class SiteStore:
    P = "?"  # the driver's placeholder

    # -- the driver ------------------------------------------------------------
    @contextmanager
    def tx(self):
        raise NotImplementedError

    def lock_site(self, site: str) -> None:
        """Hold the site's row until the transaction ends (PostgreSQL: several ingesters)."""

    def q(self, sql: str) -> str:
        return sql.replace("?", self.P)

    def all(self, sql: str, args: tuple = ()) -> list[tuple]:
        raise NotImplementedError

    def run(self, sql: str, args: tuple = ()) -> int:
        raise NotImplementedError

    def many(self, sql: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.conn.close()

    # -- reads -------------------------------------------------------------------
    def head(self, site: str) -> Head | None:
        rows = self.all("SELECT head_seq, head_hash, tag FROM sites WHERE hall_id = ?", (site,))
        return Head(rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def hashes(self, site: str, lo: int, hi: int) -> dict[int, str]:
        return dict(self.all("SELECT seq, hash FROM records WHERE hall_id = ? AND seq BETWEEN ? AND ?",
                             (site, lo, hi)))

    def rows_after(self, site: str, seq: int, limit: int = 500) -> list[tuple[int, str, str, str]]:
        return [tuple(r) for r in self.all("SELECT seq, record, prev, hash FROM records WHERE hall_id = ? "
                                           "AND seq > ? ORDER BY seq LIMIT ?", (site, seq, limit))]

    def rows(self, site: str, lo: int, hi: int) -> list[tuple[int, str, str, str]]:
        return [tuple(r) for r in self.all("SELECT seq, record, prev, hash FROM records WHERE hall_id = ? "
                                           "AND seq BETWEEN ? AND ? ORDER BY seq", (site, lo, hi))]

    def sites(self) -> list[dict]:
        cols = ("hall_id", "tag", "via", "head_seq", "first_seen", "last_seen", "duplicates", "status", "status_at")
        out = []
        for r in self.all(f"SELECT {', '.join(cols)} FROM sites ORDER BY hall_id"):
            d = dict(zip(cols, r, strict=True))
            d["status"] = json.loads(d["status"]) if d["status"] else None
            out.append(d)
        return out

    def findings(self, site: str | None = None) -> list[dict]:
        sql, args = "SELECT hall_id, seq, kind, detail, at FROM findings", ()
        if site:
            sql, args = sql + " WHERE hall_id = ?", (site,)
        return [dict(zip(("site", "seq", "kind", "detail", "at"), r, strict=True))
                for r in self.all(sql + " ORDER BY at, hall_id, seq", args)]

    def count(self, site: str) -> int:
        return self.all("SELECT COUNT(*) FROM records WHERE hall_id = ?", (site,))[0][0]

    # -- writes -------------------------------------------------------------------
    def store(self, site: str, tag: str, via: str, expected: Head | None, v: Verdict) -> bool:
        """The verdict's new rows, findings and the site's new head in one transaction.
        False (nothing written) when the head moved meanwhile: check the batch again."""
        now = time.time()
        with self.tx():
            self.lock_site(site)
            if self.head(site) != expected:
                return False
            if expected is None:
                self.run("INSERT INTO sites (hall_id, tag, via, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
                         (site, tag, via, now, now))
            if v.new:
                self.many("INSERT INTO records (hall_id, seq, record, prev, hash, chain_ok, at, received_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          [(site, s, rec, prev, h, ok, _at(rec), now) for s, rec, prev, h, ok in v.new])
            self._findings(site, v.findings, now)
            head_hash = v.new[-1][3] if v.new else (expected.hash if expected else None)
            self.run("UPDATE sites SET head_seq = ?, head_hash = ?, via = ?, last_seen = ?, "
                     "duplicates = duplicates + ? WHERE hall_id = ?",
                     (v.head, head_hash, via, now, v.duplicates, site))
        return True

    def finding(self, site: str, seq: int, kind: str, detail: str) -> None:
        with self.tx():
            self._findings(site, [(seq, kind, detail)], time.time())

    def _findings(self, site: str, findings: list[tuple[int, str, str]], now: float) -> None:
        if findings:
            self.many("INSERT INTO findings (hall_id, seq, kind, detail, at) VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT DO NOTHING", [(site, s, k, d, now) for s, k, d in findings])

    def set_status(self, site: str, status: dict) -> bool:
        """The site's latest status (a site not yet known: False, it comes again)."""
        now = time.time()
        with self.tx():
            return self.run("UPDATE sites SET status = ?, status_at = ? WHERE hall_id = ?",
                            (json.dumps(status, ensure_ascii=False), now, site)) > 0


class SqliteSites(SiteStore):
    """A township centre's copy of its villages' logs (WAL, synchronous=FULL: acknowledged
    means on disk, the village forgets nothing it was not told was safe)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=10000")
        for stmt in SCHEMA:
            self.conn.execute(stmt)

    @contextmanager
    def tx(self):
        with disk.transaction(self.conn):
            yield

    def all(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self.conn.execute(sql, args).fetchall()

    def run(self, sql: str, args: tuple = ()) -> int:
        return self.conn.execute(sql, args).rowcount

    def many(self, sql: str, rows: list[tuple]) -> None:
        self.conn.executemany(sql, rows)
