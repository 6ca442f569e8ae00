"""The county reports a site's ratings to the provincial 好差评 platform, instead of the
site ([parent] ratings_via_parent = true there, [mirror] province = true here).

The same outbox and the same provincial destination as a hall's own (gateway/upstream):
records built from the site's hall file (its departments, matters, staff, level map)
and sent with the county's adapter ([upstream] url, app key, secret). The outbox reads
a log: here a copy of the site's records that carry ratings or follow-ups, taken from
PostgreSQL into data/county/<site>/province.db (a log excerpt: gateway/store/excerpt.py),
from the handoff on.

Never both for one rating: the site's status says up to which record its own outbox
had looked when it switched to the county (`province_from`); the county takes only the
records after it. The eval_id is the same whoever sends it, so even a hall file
switched back and forth gives the platform "重复值", never a second rating.
"""
from __future__ import annotations

from pathlib import Path

from gateway.outbox import Outbox, OutboxStore, status
from gateway.outbox.store import connect
from gateway.store.excerpt import LogExcerpt
from gateway.upstream.destination import NAME, Province

WANTED = ('"rating_recorded"', '"followup_created"', '"followup_changed"', '"followup_overdue"')


class SiteProvince:
    def __init__(self, site_hall, tag: str, since: int, db: Path, adapter, retry_max: float):
        self.hall, self.since, self.db = site_hall, since, Path(db)
        self.excerpt = LogExcerpt(self.db)
        notes = OutboxStore(self.db, "copy")  # also the outbox's tables
        try:
            # An earlier release noted how far it had looked among the outbox's notes.
            legacy = int(notes.noted("upto") or 0)
        finally:
            notes.close()
        if legacy > self.excerpt.looked_upto():
            self.excerpt.keep((), legacy)
        self.dest = Province(site_hall, adapter, lambda: tag)
        self.outbox = Outbox(self.db, self.dest, retry_max=retry_max)

    def copied(self) -> int:
        """How far the site's records have been looked at (the handoff, at first)."""
        return max(self.since, self.excerpt.looked_upto())

    def feed(self, rows: list[tuple[int, str, str, str]], upto: int) -> None:
        """The site's records up to `upto`: those for the province kept, the position noted, in
        one transaction; the outbox then derives and sends."""
        keep = [r for r in rows if r[0] > self.since and any(w in r[1] for w in WANTED)]
        self.excerpt.keep(keep, upto)
        if keep:
            self.outbox.poke()

    def start(self) -> None:
        self.outbox.start()

    def stop(self) -> None:
        self.outbox.stop()
        self.excerpt.close()

    def status(self) -> dict:
        conn = connect(self.db, readonly=True)
        try:
            st = status(conn, NAME)
        finally:
            conn.close()
        return {k: st[k] for k in ("pending", "delivered", "dead_letter", "last_error", "last_delivered_at")} | {
            "since": self.since}
