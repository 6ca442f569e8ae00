"""The county reports a site's ratings to the provincial 好差评 platform, instead of the
site ([parent] ratings_via_parent = true there, [mirror] province = true here).

The same outbox and the same provincial destination as a hall's own (gateway/upstream):
records built from the site's hall file (its departments, matters, staff, level map)
and sent with the county's adapter ([upstream] url, app key, secret). The outbox reads
a log: here a copy of the site's records that carry ratings or follow-ups, taken from
PostgreSQL into data/county/<site>/province.db, from the handoff on.

Never both for one rating: the site's status says up to which record its own outbox
had looked when it switched to the county (`province_from`); the county takes only the
records after it. The eval_id is the same whoever sends it, so even a hall file
switched back and forth gives the platform "重复值", never a second rating.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from gateway.outbox import Outbox, status
from gateway.outbox.store import connect
from gateway.upstream.destination import NAME, Province

WANTED = ('"rating_recorded"', '"followup_created"', '"followup_changed"', '"followup_overdue"')
COPY = "CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, prev TEXT, hash TEXT)"


class SiteProvince:
    def __init__(self, site_hall, tag: str, since: int, db: Path, adapter, retry_max: float):
        self.hall, self.since, self.db = site_hall, since, Path(db)
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(COPY)
        connect(self.db).close()  # the outbox's tables (its notes hold how far the copy went)
        self.dest = Province(site_hall, adapter, lambda: tag)
        self.outbox = Outbox(self.db, self.dest, retry_max=retry_max)

    def copied(self) -> int:
        """How far the site's records have been looked at (the handoff, at first)."""
        row = self.conn.execute("SELECT value FROM outbox_notes WHERE dest = 'copy' AND key = 'upto'").fetchone()
        return max(self.since, int(row[0]) if row else 0)

    def feed(self, rows: list[tuple[int, str, str, str]], upto: int) -> None:
        """The site's records up to `upto`: those for the province copied, the position noted, in
        one transaction; the outbox then derives and sends."""
        keep = [r for r in rows if r[0] > self.since and any(w in r[1] for w in WANTED)]
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.executemany("INSERT OR IGNORE INTO commands VALUES (?, ?, ?, ?)", keep)
            c.execute("INSERT OR REPLACE INTO outbox_notes VALUES ('copy', 'upto', ?)", (str(upto),))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        if keep:
            self.outbox.poke()

    def start(self) -> None:
        self.outbox.start()

    def stop(self) -> None:
        self.outbox.stop()
        self.conn.close()

    def status(self) -> dict:
        conn = connect(self.db, readonly=True)
        try:
            st = status(conn, NAME)
        finally:
            conn.close()
        return {k: st[k] for k in ("pending", "delivered", "dead_letter", "last_error", "last_delivered_at")} | {
            "since": self.since}
