"""Delivery state of the outward destinations, in the hall's own SQLite store.

The command log is the outbox: nothing here copies a record's content. Per
destination a cursor (the last command seq it has looked at) and one row per
item it derived from a committed record: its key (stable across retries, e.g. an
eval_id), the seq it came from, and where its delivery stands. Scanning the log
and recording the items it yields, cursor included, is one transaction, so a
gateway killed at any moment neither skips nor doubles an item; an item is
marked delivered only after the receiver acknowledged it.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway import disk
from gateway.store.reader import LogReader

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_cursor (dest TEXT PRIMARY KEY, seq INTEGER NOT NULL, updated_at REAL);
CREATE TABLE IF NOT EXISTS outbox_items (
  dest TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
  state TEXT NOT NULL,                    -- pending | delivered | dead
  attempts INTEGER NOT NULL DEFAULT 0, seen_at REAL NOT NULL, delivered_at REAL,
  answer TEXT, last_error TEXT, PRIMARY KEY (dest, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_items_state ON outbox_items (dest, state, seq);
CREATE TABLE IF NOT EXISTS outbox_status (dest TEXT PRIMARY KEY, last_error TEXT, last_error_at REAL,
  last_delivered_at REAL, held TEXT);
CREATE TABLE IF NOT EXISTS outbox_notes (dest TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (dest, key)) WITHOUT ROWID;
"""
STATES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class Item:
    dest: str
    key: str
    seq: int
    kind: str
    state: str
    attempts: int
    seen_at: float
    delivered_at: float | None
    answer: str | None
    last_error: str | None


def connect(db: str | Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


class OutboxStore:
    """One destination's view of the store; its own connection, used by one thread."""

    def __init__(self, db: str | Path, dest: str):
        self.dest = dest
        self.conn = connect(db)
        self.log = LogReader.on(self.conn)  # the committed records, read on this connection

    def cursor(self) -> int:
        return self.cursor_of(self.dest)

    def cursor_of(self, dest: str) -> int:
        """Where a destination's cursor stands (this one's, or another's in the same store)."""
        row = self.conn.execute("SELECT seq FROM outbox_cursor WHERE dest = ?", (dest,)).fetchone()
        return row[0] if row else 0

    def take(self, upto: int, items: list[tuple[str, int, str]]) -> int:
        """Record the items derived from the records up to `upto` and move the cursor there,
        in one transaction. Returns how many items were new."""
        now = time.time()
        with disk.transaction(self.conn) as c:  # a full disk: StoreFull, nothing taken
            before = c.total_changes
            c.executemany("INSERT OR IGNORE INTO outbox_items (dest, key, seq, kind, state, seen_at) "
                          "VALUES (?, ?, ?, ?, 'pending', ?)", [(self.dest, k, s, kind, now) for k, s, kind in items])
            new = c.total_changes - before
            c.execute("INSERT INTO outbox_cursor VALUES (?, ?, ?) ON CONFLICT (dest) DO UPDATE "
                      "SET seq = excluded.seq, updated_at = excluded.updated_at", (self.dest, upto, now))
        return new

    def advance(self, upto: int) -> None:
        """A cumulative acknowledgement (the mirror to the parent tier): the receiver holds
        everything up to `upto`. The cursor never goes back."""
        now = time.time()
        self._write(("INSERT INTO outbox_cursor VALUES (?, ?, ?) ON CONFLICT (dest) DO UPDATE "
                     "SET seq = MAX(seq, excluded.seq), updated_at = excluded.updated_at", (self.dest, upto, now)),
                    self._status_sql(last_delivered_at=now, last_error=None))

    # -- items ------------------------------------------------------------------
    def pending(self, limit: int = 200, after_seq: int = -1) -> list[Item]:
        rows = self.conn.execute(
            "SELECT * FROM outbox_items WHERE dest = ? AND state = 'pending' AND seq > ? ORDER BY seq, key LIMIT ?",
            (self.dest, after_seq, limit))
        return [Item(*r) for r in rows]

    def item(self, key: str) -> Item | None:
        row = self.conn.execute("SELECT * FROM outbox_items WHERE dest = ? AND key = ?", (self.dest, key)).fetchone()
        return Item(*row) if row else None

    def delivered(self, key: str, answer: str) -> None:
        now = time.time()
        self._write(("UPDATE outbox_items SET state = 'delivered', delivered_at = ?, answer = ?, "
                     "attempts = attempts + 1, last_error = NULL WHERE dest = ? AND key = ?",
                     (now, answer, self.dest, key)), self._status_sql(last_delivered_at=now))

    def failed(self, key: str, error: str, dead: bool) -> None:
        state = "dead" if dead else "pending"
        self._write(("UPDATE outbox_items SET state = ?, attempts = attempts + 1, last_error = ? "
                     "WHERE dest = ? AND key = ?", (state, error, self.dest, key)),
                    self._status_sql(last_error=error, last_error_at=time.time()))

    def link_error(self, error: str | None) -> None:
        """The destination as a whole cannot be reached (or is reached again: None)."""
        self._write(self._status_sql(last_error=error, last_error_at=time.time() if error else None))

    def hold(self, why: str | None) -> None:
        """Delivery stopped on purpose (a mapping contradicts the platform), or resumed."""
        self._write(self._status_sql(held=why))

    def note(self, key: str, value: str | None) -> None:
        """A destination's own remark that must outlast a restart (e.g. a mapping checked)."""
        if value is None:
            self._write(("DELETE FROM outbox_notes WHERE dest = ? AND key = ?", (self.dest, key)))
        else:
            self._write(("INSERT OR REPLACE INTO outbox_notes VALUES (?, ?, ?)", (self.dest, key, value)))

    def noted(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM outbox_notes WHERE dest = ? AND key = ?",
                                (self.dest, key)).fetchone()
        return row[0] if row else None

    def retry(self, key: str | None = None) -> int:
        """Put dead-letter items (one, or all) back in line. Returns how many."""
        sql = "UPDATE outbox_items SET state = 'pending', last_error = NULL WHERE dest = ? AND state = 'dead'"
        args: tuple = (self.dest,)
        if key is not None:
            sql += " AND key = ?"
            args += (key,)
        return self._write((sql, args))

    def _write(self, *statements: tuple[str, tuple]) -> int:
        """Statements in one transaction (one fsync: synchronous=FULL); rows the first changed."""
        with disk.transaction(self.conn) as c:
            n = c.execute(*statements[0]).rowcount
            for st in statements[1:]:
                c.execute(*st)
        return n

    def _status_sql(self, **fields) -> tuple[str, tuple]:
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        sets = ", ".join(f"{k} = excluded.{k}" for k in fields)
        return (f"INSERT INTO outbox_status (dest, {cols}) VALUES (?, {marks}) "
                f"ON CONFLICT (dest) DO UPDATE SET {sets}", (self.dest, *fields.values()))

    def close(self) -> None:
        self.conn.close()


def status(conn: sqlite3.Connection, dest: str) -> dict:
    """Counts and the last error of one destination (any connection, read-only is enough)."""
    counts = dict.fromkeys(STATES, 0)
    try:
        for state, n in conn.execute("SELECT state, COUNT(*) FROM outbox_items WHERE dest = ? GROUP BY state",
                                     (dest,)):
            counts[state] = n
        st = conn.execute("SELECT last_error, last_error_at, last_delivered_at, held FROM outbox_status "
                          "WHERE dest = ?", (dest,)).fetchone()
        cur = conn.execute("SELECT seq FROM outbox_cursor WHERE dest = ?", (dest,)).fetchone()
        oldest = conn.execute("SELECT MIN(seen_at) FROM outbox_items WHERE dest = ? AND state = 'pending'",
                              (dest,)).fetchone()[0]
        head = LogReader.on(conn).head().seq
    except sqlite3.OperationalError:  # a store no outbox has opened yet
        st, cur, oldest, head = None, None, None, 0
    last_error, err_at, last_at, held = st or (None, None, None, None)
    return {"name": dest, "pending": counts["pending"], "delivered": counts["delivered"],
            "dead_letter": counts["dead"], "last_error": held or last_error, "last_error_at": _iso(err_at),
            "last_delivered_at": _iso(last_at), "held": held, "cursor": cur[0] if cur else 0, "head": head,
            "oldest_pending_since": _iso(oldest)}


def items(conn: sqlite3.Connection, dest: str, state: str, limit: int = 500) -> Iterator[Item]:
    rows = conn.execute("SELECT * FROM outbox_items WHERE dest = ? AND state = ? ORDER BY seq, key LIMIT ?",
                        (dest, state, limit))
    return (Item(*r) for r in rows)


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1000):03d}"
