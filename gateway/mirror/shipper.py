"""A hall's side of the link to its parent: its own log, and at a township centre its
villages' logs, shipped up in order from a cursor each, until the parent acknowledges
them; the parent's answers to cases sent up (帮办代办) applied as they come down.

One thread does the work (reads, sends, cursors); the MQTT connection only queues what
arrives. Woken after each commit of the runtime and each batch the hub stores, so a
record leaves within milliseconds while the link is up. Cursors are the outbox's
(OutboxStore, destination "parent:<site>") and move only on the parent's ack.
"""
from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from pathlib import Path

from gateway.mirror import wire
from gateway.mirror.mqtt import Connection, Endpoint, Worker
from gateway.mirror.sitestore import SqliteSites
from gateway.outbox.store import OutboxStore
from gateway.outbox.stream import Cumulative, accept

log = logging.getLogger("hallgw.mirror")
BATCH_ROWS = 200
BATCH_BYTES = 256 * 1024
RELAY_DEST = "parent-relay"  # where the position reached in the parent's answers is noted


class Stream:
    def __init__(self, site: str, tag: str, store: OutboxStore, cfg, read: Callable[[int, int], list]):
        self.site, self.tag, self.store, self.read = site, tag, store, read
        self.cum = Cumulative(store.cursor(), window=cfg.window, ack_timeout=cfg.ack_timeout_seconds)


class Shipper(Worker):
    thread_name = "mirror-up"

    def __init__(self, runtime, db: str | Path, endpoint: Endpoint, clock: Callable[[], float] = time.time,
                 sites_db: str | Path | None = None, status_extra: Callable[[], dict] | None = None):
        self.runtime, self.hall = runtime, runtime.hall
        self.parent = self.hall.parent
        self.db, self.sites_db = Path(db), Path(sites_db) if sites_db else None
        self.clock = clock
        self.status_extra = status_extra
        self.conn = Connection(endpoint, f"hallgw-{self.hall.id}-mirror",
                               [wire.down_topic(self.parent.id, self.hall.id)], self._arrived, self._reconnected)
        self.up = wire.up_topic(self.parent.id, self.hall.id)
        self.streams: dict[str, Stream] = {}
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._init_worker()
        self.relay_have = 0
        # resends (no answer in time), gaps and go_backs (a new connection with records in flight):
        # each time a stream goes back to the acknowledged position and may send again up to a
        # window of records the parent already holds.
        self.counts = {"batches": 0, "records": 0, "acks": 0, "gaps": 0, "resends": 0, "relays": 0, "go_backs": 0}
        self.last_ack_at: float | None = None

    # -- control ------------------------------------------------------------------
    def _arrived(self, topic: str, payload: bytes) -> None:
        self._inbox.put(payload)
        self._wake.set()

    def _reconnected(self) -> None:
        self._inbox.put(b"")
        self._wake.set()

    # -- the loop --------------------------------------------------------------------
    def _loop(self) -> None:
        self.log_store = OutboxStore(self.db, RELAY_DEST)
        self.relay_have = int(self.log_store.noted("have") or 0)
        self.sites = SqliteSites(self.sites_db) if self.sites_db else None
        next_status = 0.0
        try:
            while not self._stop.is_set():
                try:
                    self._drain()
                    self._streams()
                    now = time.monotonic()
                    if self.conn.connected.is_set():
                        for s in self.streams.values():
                            if s.cum.due(now):
                                self.counts["resends"] += 1
                                log.info("mirror: %s: no answer from %s; sending again from %d", s.site,
                                         self.parent.id, s.cum.acked)
                            self._send(s, now)
                        if now >= next_status:
                            self._status()
                            next_status = now + self.parent.status_seconds
                except Exception:
                    log.exception("mirror: shipping step failed")
                    self._stop.wait(1.0)
                self._wake.wait(0.25)
                self._wake.clear()
        finally:
            for s in self.streams.values():
                s.store.close()
            self.log_store.close()
            if self.sites is not None:
                self.sites.close()

    def _streams(self) -> None:
        """The hall's own log, and (township) each site whose records we hold."""
        if self.hall.id not in self.streams:
            first = self.log_store.log.first_hash()
            if first is not None:
                self._add(self.hall.id, first, self._own_rows)
        if self.sites is not None:
            for site in self.sites.sites():
                if site["hall_id"] not in self.streams:
                    sid = site["hall_id"]
                    self._add(sid, site["tag"], lambda after, n, sid=sid: self.sites.rows_after(sid, after, n))

    def _add(self, site: str, tag: str, read) -> None:
        self.streams[site] = Stream(site, tag, OutboxStore(self.db, f"parent:{site}"), self.parent, read)

    def _own_rows(self, after: int, limit: int) -> list:
        return self.log_store.log.links_after(after, limit)

    def _send(self, s: Stream, now: float) -> None:
        while s.cum.may_send(now) and not self._stop.is_set():
            rows = s.read(s.cum.sent, min(BATCH_ROWS, s.cum.window - (s.cum.sent - s.cum.acked)))
            if not rows:
                return
            size, cut = 0, len(rows)
            for i, r in enumerate(rows):
                size += len(r[1]) + 160
                if size > BATCH_BYTES and i:
                    cut = i
                    break
            rows = [list(r) for r in rows[:cut]]
            msg = wire.encode("batch", site=s.site, tag=s.tag, epoch=s.cum.epoch, after=s.cum.sent,
                              upto=rows[-1][0], rows=rows)
            if not self.conn.publish(self.up, msg):
                return
            self.counts["batches"] += 1
            self.counts["records"] += len(rows)
            s.cum.sent_to(rows[-1][0], now)

    # -- what comes down -------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            try:
                payload = self._inbox.get_nowait()
            except queue.Empty:
                return
            if payload == b"":
                now = time.monotonic()
                for s in self.streams.values():
                    self.counts["go_backs"] += s.cum.sent > s.cum.acked
                    s.cum.reconnected(now)
                self._status()
                continue
            try:
                msg = wire.decode(payload, wire.DOWN_TYPES)
            except wire.Bad as e:
                log.warning("mirror: dropped a message from %s: %s", self.parent.id, e)
                continue
            getattr(self, f"_on_{msg['type']}")(msg)

    def _on_ack(self, msg: dict) -> None:
        s = self.streams.get(msg["site"])
        if s is None:
            return
        if msg.get("refused"):
            log.error("mirror: %s refuses %s: %s", self.parent.id, s.site, msg["refused"])
        self.counts["acks"] += 1
        self.last_ack_at = time.time()
        if msg.get("gap"):
            self.counts["gaps"] += 1
        if s.cum.ack(msg["upto"], msg["epoch"], bool(msg.get("gap")), time.monotonic()):
            s.store.advance(s.cum.acked)

    def _on_audit(self, msg: dict) -> None:
        """The parent compares a range of records with its copy: send them as they are here."""
        s = self.streams.get(msg["site"])
        if s is None:
            return
        lo, hi = msg["from"], min(msg["to"], msg["from"] + 2000)
        after = lo - 1
        while after < hi:
            rows = [list(r) for r in s.read(after, min(BATCH_ROWS, hi - after))]
            if not rows:
                return
            self.conn.publish(self.up, wire.encode("batch", site=s.site, tag=s.tag, epoch=0, after=after,
                                                   upto=rows[-1][0], rows=rows, audit=True))
            after = rows[-1][0]

    def _on_relay(self, msg: dict) -> None:
        ok, have = accept(self.relay_have, msg["after"], msg["upto"])
        if ok:
            tag = str(msg.get("tag") or "")[:16] or "parent"
            for seq, events in msg["rows"]:
                if seq <= self.relay_have:
                    continue
                out = self.runtime.submit({"type": "relay_result", "at": self.clock(), "from": self.parent.id,
                                           "events": events,
                                           "origin": {"dev": f"mirror:{self.parent.id}", "boot": tag, "seq": seq}})
                self.counts["relays"] += 1
                if not out.ok:
                    log.warning("mirror: answer %d from %s not applied: %s", seq, self.parent.id, out.refusal)
            if have != self.relay_have:
                self.relay_have = have
                self.log_store.note("have", str(have))
        self.conn.publish(self.up, wire.encode("downack", upto=self.relay_have, epoch=msg["epoch"], gap=not ok))

    # -- status --------------------------------------------------------------------
    def _status(self) -> None:
        if not self.conn.connected.is_set():
            return
        head = self.log_store.log.head().seq
        st = {"site": self.hall.id, "tag": self.log_store.log.first_hash() or "", "name": self.hall.name,
              "tier": self.hall.tier, "parent": self.parent.id, "at": self.clock(), "wall": time.time(),
              "head": head, "ratings_via_parent": self.parent.ratings_via_parent,
              "streams": {s.site: {"acked": s.cum.acked, "sent": s.cum.sent} for s in self.streams.values()}}
        if self.parent.ratings_via_parent:
            # the handoff: what this hall's own outbox had looked at is its own; the rest the county's
            st["province_from"] = self.log_store.cursor_of("province")
        if self.status_extra is not None:
            try:
                st.update(self.status_extra())
            except Exception:
                log.exception("mirror: status not complete")
        self.conn.publish(self.up, wire.encode("status", **st))
        if self.sites is not None:  # the villages' last status goes on up too
            for site in self.sites.sites():
                if site["status"]:
                    self.conn.publish(self.up, wire.encode("status", **dict(site["status"], site=site["hall_id"],
                                                                          via=self.hall.id)))

    def describe(self) -> dict:
        return {"parent": self.parent.id, "connected": self.conn.connected.is_set(),
                "endpoint": f"{self.conn.endpoint.host}:{self.conn.endpoint.port}",
                "streams": {s.site: {"acked": s.cum.acked, "sent": s.cum.sent} for s in self.streams.values()},
                "relay_have": self.relay_have, "counts": dict(self.counts), "last_ack_at": self.last_ack_at}
