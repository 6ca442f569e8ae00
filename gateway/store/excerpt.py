"""An excerpt of another hall's log, in the log's own layout: the county keeps the records
of a site that the province must get (its ratings, its follow-ups) in a file of their own,
and an outbox reads them there through the same door (LogReader) as a hall's own log.

Only the records kept are there (their seqs have gaps); how far the site's log has been
looked at is noted with them, in the same transaction, so a restart neither skips a
record nor looks at one twice for nothing."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from gateway import disk

SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, prev TEXT, hash TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class LogExcerpt:
    """One writer (one thread); readers open the file with LogReader."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.executescript(SCHEMA)

    def looked_upto(self) -> int:
        """The seq of the site's log up to which its records have been looked at (0: none)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'looked_upto'").fetchone()
        return int(row[0]) if row else 0

    def keep(self, links: Iterable[tuple[int, str, str, str]], upto: int) -> int:
        """Keep these records (seq, record, prev, hash; one kept already stays as it was) and note
        that the site's log was looked at up to `upto`, in one transaction. -> records new here."""
        with disk.transaction(self._conn) as c:
            before = c.total_changes
            c.executemany("INSERT OR IGNORE INTO commands VALUES (?, ?, ?, ?)", links)
            new = c.total_changes - before
            c.execute("INSERT OR REPLACE INTO meta VALUES ('looked_upto', ?)", (str(upto),))
        return new

    def close(self) -> None:
        self._conn.close()
