"""The one reader of the command log. Every part that reads committed records (the outbox,
the reports, the mirror, the county, the hall screen, backup and restore) reads them here;
nothing outside gateway/store knows the log's tables.

A reader sits on a connection: the runtime's own (CommandLog.reader, used under the
runtime's lock), or one of the caller's own to the same file, so an outward part never
holds the runtime's lock: LogReader.open(path) opens a read-only one, LogReader.on(conn)
reads through a connection the caller already has to that file (the outbox writes its
own tables on it). Records come as the log holds them: {seq, cmd, outcome}."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from gateway.store.audit import GENESIS

# As canonical() writes an outcome without events: a refusal, or nothing happened. A quoted
# text inside a command cannot match it (its quotes are escaped).
NO_EVENTS = '"events":[]'


class Head(NamedTuple):
    """The last record: its seq and audit hash ((0, GENESIS) for an empty log)."""
    seq: int
    hash: str


class Link(NamedTuple):
    """A record as the audit chain holds it: its canonical text, the hash before it and its own."""
    seq: int
    record: str
    prev: str
    hash: str


class Scan(NamedTuple):
    """Records that matched, and the seq the scan looked up to (`after` when there was nothing)."""
    upto: int
    records: list[dict]


class LogReader:
    def __init__(self, conn: sqlite3.Connection, owned: bool = False):
        self._conn, self._owned = conn, owned

    @classmethod
    def open(cls, path: str | Path, wait_s: float = 10.0) -> LogReader:
        """A read-only connection of its own to the store at `path` (closed by close())."""
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
        return cls(conn, owned=True)

    @classmethod
    def on(cls, conn: sqlite3.Connection) -> LogReader:
        """Reads through a connection the caller holds to the store's file (left open by close())."""
        return cls(conn)

    def close(self) -> None:
        if self._owned:
            self._conn.close()

    def __enter__(self) -> LogReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- what the store is -------------------------------------------------------------------
    def hall(self) -> str | None:
        """The hall the store belongs to."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'hall'").fetchone()
        return row[0] if row else None

    def first_hash(self) -> str | None:
        """The first record's audit hash: the store's identity (a new store has another)."""
        return self.hash_of(1)

    def head(self) -> Head:
        row = self._conn.execute("SELECT seq, hash FROM commands ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(*row) if row else Head(0, GENESIS)

    def hash_of(self, seq: int) -> str | None:
        row = self._conn.execute("SELECT hash FROM commands WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    # -- records ---------------------------------------------------------------------------------
    def record(self, seq: int) -> dict | None:
        row = self._conn.execute("SELECT record FROM commands WHERE seq = ?", (seq,)).fetchone()
        return json.loads(row[0]) if row else None

    def records_after(self, after: int, limit: int | None = None) -> Iterator[dict]:
        """The records past `after` in order (at most `limit`: one batch), read as they are used."""
        cur = self._after("record", after, limit)
        try:
            for (record,) in cur:
                yield json.loads(record)
        finally:
            cur.close()  # left early: no read transaction stays open on a shared connection

    def latest(self, limit: int) -> Iterator[dict]:
        """The last `limit` records, newest first, read as they are used (stop early: read less)."""
        cur = self._conn.execute("SELECT record FROM commands ORDER BY seq DESC LIMIT ?", (limit,))
        try:
            for (record,) in cur:
                yield json.loads(record)
        finally:
            cur.close()

    def for_folding(self, after: int, limit: int | None = None) -> Iterator[dict]:
        """What a fold over the log needs: each record past `after` with its audit hash under
        "hash"; one whose outcome holds no event (a refusal, a sixth of a busy log) comes as
        {seq, outcome: {events: []}, hash}, its command not parsed."""
        cur = self._after("seq, record, hash", after, limit)
        try:
            for seq, record, digest in cur:
                if NO_EVENTS in record:
                    yield {"seq": seq, "outcome": {"events": []}, "hash": digest}
                    continue
                rec = json.loads(record)
                rec["hash"] = digest
                yield rec
        finally:
            cur.close()

    def links_after(self, after: int, limit: int) -> list[Link]:
        """Up to `limit` records past `after` as the chain holds them (the mirror ships these)."""
        return [Link(*row) for row in self._after("seq, record, prev, hash", after, limit)]

    def matching(self, after: int, limit: int, *, events: Iterable[str] = (), commands: Iterable[str] = ()) -> Scan:
        """Of the next `limit` records past `after`, those holding an event of one of the `events`
        types or made by a command of one of the `commands` types; and how far the scan looked,
        so a caller moves on past records that hold nothing for it."""
        events, commands = frozenset(events), frozenset(commands)
        marks = tuple(f'"{t}"' for t in events | commands)  # text that must be there: most records are not parsed
        found, upto = [], after
        for seq, record in self._after("seq, record", after, limit):
            upto = seq
            if not any(m in record for m in marks):
                continue
            rec = json.loads(record)
            if rec["cmd"].get("type") in commands or \
                    any(e.get("type") in events for e in rec["outcome"].get("events") or ()):
                found.append(rec)
        return Scan(upto, found)

    def _after(self, columns: str, after: int, limit: int | None) -> sqlite3.Cursor:
        sql = f"SELECT {columns} FROM commands WHERE seq > ? ORDER BY seq"
        if limit is None:
            return self._conn.execute(sql, (after,))
        return self._conn.execute(sql + " LIMIT ?", (after, limit))
