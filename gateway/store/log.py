"""The command log in SQLite. A command, its outcome, its audit hash, its device origin and
the Idempotency-Key of the request that made it are written in one transaction that is on disk
(WAL, synchronous=FULL) before append() returns; only then may the runtime publish or
acknowledge anything. A write the disk has no room for raises StoreFull with SQLite's own error
as its cause (gateway/disk.py), and `space` knows the disk is full until a write goes through again."""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from gateway import disk
from gateway.store import schema
from gateway.store.audit import canonical, chain
from gateway.store.reader import LogReader

log = logging.getLogger("hallgw.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY, record TEXT NOT NULL,
                                     prev TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS origins (dev TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL,
                                    command INTEGER NOT NULL, PRIMARY KEY (dev, boot, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS commands_append_only_u BEFORE UPDATE ON commands
  BEGIN SELECT RAISE(ABORT, 'the command log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS commands_append_only_d BEFORE DELETE ON commands
  BEGIN SELECT RAISE(ABORT, 'the command log is append-only'); END;
"""


class RequestKey(NamedTuple):
    """A request's Idempotency-Key, and what the request was (a hash of its route and body)."""
    key: str
    fingerprint: str


class KeptKey(NamedTuple):
    """A key seen today: its request's fingerprint; the outcome of the command it carried (None:
    none was applied, the answer was a refusal); the answer given (status None: not kept, the
    gateway stopped between the command and its answer; then there is an outcome)."""
    fingerprint: str
    outcome: dict | None
    status: int | None
    answer: bytes | None


class CommandLog:
    def __init__(self, path: str | Path, hall_id: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the runtime's threads; the runtime serialises access.
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        # The outward parts (outbox, reports) write their own tables in this file from their
        # own connections: wait for their short transactions rather than fail a command.
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.executescript(SCHEMA)
        self.upgraded = schema.upgrade(self.conn, self.path)
        # The log's reader on this connection: for the runtime's threads, under its lock.
        self.reader = LogReader.on(self.conn)
        got = self.reader.hall()
        if got is None:
            self.conn.execute("INSERT INTO meta VALUES ('hall', ?)", (hall_id,))
        elif got != hall_id:
            raise ValueError(f"{self.path} belongs to hall {got!r}, not {hall_id!r}")
        self.seq, self.head = self.reader.head()
        self.space = disk.Watch(self.path.parent)

    def append(self, cmd: dict, outcome: dict, origin: tuple | None,
               key: tuple[RequestKey, str] | None = None) -> int:
        """key: (the request's key, the service day) of an applied command: kept with it, so a
        request repeated after any crash finds it applied."""
        seq = self.seq + 1
        record = canonical({"seq": seq, "cmd": cmd, "outcome": outcome})
        digest = chain(self.head, record)
        try:
            with disk.transaction(self.conn) as c:
                c.execute("INSERT INTO commands VALUES (?, ?, ?, ?)", (seq, record, self.head, digest))
                if origin is not None:
                    c.execute("INSERT INTO origins VALUES (?, ?, ?, ?)", (*origin, seq))
                if key is not None:
                    c.execute("INSERT INTO request_keys (key, day, fingerprint, command) VALUES (?, ?, ?, ?)",
                              (key[0].key, key[1], key[0].fingerprint, seq))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (f"{seq}:{digest}",))
        except disk.StoreFull as e:
            self.space.failed(e)
            raise
        self.space.wrote()
        self.seq, self.head = seq, digest
        return seq

    def outcome_of(self, origin: tuple) -> dict | None:
        """The stored outcome of a device event already applied, else None."""
        row = self.conn.execute(
            "SELECT c.record FROM origins o JOIN commands c ON c.seq = o.command "
            "WHERE o.dev = ? AND o.boot = ? AND o.seq = ?", origin).fetchone()
        return json.loads(row[0])["outcome"] if row else None

    def request_key(self, key: str) -> KeptKey | None:
        row = self.conn.execute("SELECT k.fingerprint, c.record, k.status, k.answer FROM request_keys k "
                                "LEFT JOIN commands c ON c.seq = k.command WHERE k.key = ?", (key,)).fetchone()
        if row is None:
            return None
        return KeptKey(row[0], json.loads(row[1])["outcome"] if row[1] else None, row[2],
                       None if row[3] is None else bytes(row[3]))

    def keep_answer(self, key: RequestKey, day: str, status: int, answer: bytes) -> None:
        """The answer a request got (its key kept with its command, or now, for a refusal)."""
        self.conn.execute("INSERT INTO request_keys (key, day, fingerprint, status, answer) VALUES (?, ?, ?, ?, ?) "
                          "ON CONFLICT (key) DO UPDATE SET status = excluded.status, answer = excluded.answer "
                          "WHERE request_keys.status IS NULL", (key.key, day, key.fingerprint, status, answer))

    def forget_keys_before(self, day: str) -> None:
        """Keys live for their service day. Housekeeping: a disk with no room for it leaves them
        for the next day's turn, never failing the command that started the day."""
        try:
            with disk.transaction(self.conn) as c:
                c.execute("DELETE FROM request_keys WHERE day < ?", (day,))
        except disk.StoreFull as e:
            log.warning("request keys before %s not deleted: %s", day, e.__cause__ or e)

    def records_after(self, seq: int) -> Iterator[dict]:
        return self.reader.records_after(seq)

    def save_snapshot(self, state: dict) -> None:
        """StoreFull when the disk has no room (the log is whole without it: a later one is made;
        while the disk is known full it waits for freed space, never taking a command's turn)."""
        self.space.check(retry=False)
        try:
            with disk.transaction(self.conn) as c:
                c.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?)", (self.seq, canonical(state)))
                # Keep the last few: enough to recover, bounded on an SD card.
                c.execute("DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 3)")
        except disk.StoreFull as e:
            self.space.failed(e)
            raise
        self.space.wrote()

    def latest_snapshot(self) -> tuple[int, dict | None]:
        row = self.conn.execute("SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], json.loads(row[1])) if row and row[0] <= self.seq else (0, None)

    def close(self) -> None:
        self.conn.close()
