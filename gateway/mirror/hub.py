"""A parent's side: the children's batches checked (gateway/mirror/chain.py), stored
(SQLite at a township, PostgreSQL at the county) and acknowledged with the highest seq
held contiguously; cases they send up handed to this hall's engine; this hall's
answers sent back down to them with the same cumulative ack; and a rolling audit that
asks each site for a range of its records again, to compare with what is stored here.

Batches are handled on the connection's worker thread, in arrival order; the down
direction and the audit run on a thread of their own. Each thread has its own
connection to the store.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from gateway.mirror import chain, wire
from gateway.mirror.mqtt import Connection, Endpoint, Worker
from gateway.mirror.sitestore import SiteStore
from gateway.outbox.store import OutboxStore
from gateway.outbox.stream import Cumulative

log = logging.getLogger("hallgw.mirror")
AUDIT_ROWS = 500
SCAN_ROWS = 2000
RECEIVED = ("batches", "rows", "new", "again", "gap", "refused", "unstored", "audit")


class Down:
    """The answers to one child's cases, from this hall's log."""

    def __init__(self, child: str, store: OutboxStore):
        self.child, self.store = child, store
        self.cum = Cumulative(store.cursor(), window=100000, ack_timeout=10.0)
        self.empty = (0, 0)  # (a, b]: known to hold nothing for this child


class Hub(Worker):
    thread_name = "mirror-down"

    def __init__(self, runtime, db: str | Path, endpoint: Endpoint, open_store: Callable[[], SiteStore],
                 clock: Callable[[], float] = time.time, on_stored: Callable[[str], None] | None = None):
        self.runtime, self.hall = runtime, runtime.hall
        self.db = Path(db)
        self.open_store, self.clock = open_store, clock
        # called with the site after new records of it are stored (a township's shipper, the county's view)
        self.listeners: list[Callable[[str], None]] = [on_stored] if on_stored else []
        self.children = set(self.hall.mirror.child_ids)
        me = self.hall.id
        self.conn = Connection(endpoint, f"hallgw-{me}-hub", [f"hall/{me}/mirror/+/up"], self._arrived)
        self.store: SiteStore | None = None  # the worker thread's
        self.via: dict[str, str] = {}
        self.counts = {"records": 0, "duplicates": 0, "gaps": 0, "findings": 0, "relays": 0, "refused": 0,
                       "store_errors": 0}
        # What each site sent, row by row as it arrived (before any check): the county's request
        # log, in counts. rows = new + again + gap + refused + unstored (+ audit rows, asked for).
        self.received: dict[str, dict[str, int]] = {}
        self._init_worker()
        self.audit_pos: dict[str, int] = {}
        self.downs: dict[str, Down] = {}

    def stop(self) -> None:
        super().stop()
        if self.store is not None:
            self.store.close()

    # -- up: batches, status, downacks ----------------------------------------------
    def _arrived(self, topic: str, payload: bytes) -> None:
        child = wire.child_of(topic)
        if child not in self.children:
            log.warning("mirror: message from %r, not a child of %s: dropped", child, self.hall.id)
            return
        try:
            msg = wire.decode(payload, wire.UP_TYPES)
        except wire.Bad as e:
            log.warning("mirror: dropped a message from %s: %s", child, e)
            return
        if msg["type"] == "downack":
            d = self.downs.get(child)
            if d is not None and d.cum.ack(msg["upto"], msg["epoch"], bool(msg.get("gap")), time.monotonic()):
                self._wake.set()
            return
        if self.store is None:
            self.store = self.open_store()
            self.via = {s["hall_id"]: s["via"] for s in self.store.sites()}
        try:
            if msg["type"] == "status":
                if self._route(child, msg["site"]) is None and self.store.set_status(msg["site"], msg):
                    for listener in self.listeners:
                        listener(msg["site"])
                return
            self._batch(child, msg)
        except Exception:
            # The database is gone for a moment (restarting): nothing acknowledged, the
            # child sends it again; the next message connects afresh.
            self.counts["store_errors"] += 1
            log.exception("mirror: batch of %s from %s not stored", msg.get("site"), child)
            try:
                self.store.close()
            except Exception:
                pass
            self.store = None

    def _route(self, child: str, site: str) -> str | None:
        """Why a site may not come from this child (None: it may)."""
        if site == self.hall.id:
            return "that is this hall's own id"
        if site in self.children and site != child:
            return f"{site} is another child of {self.hall.id}"
        was = self.via.get(site)
        if was is not None and was != child:
            return f"{site} comes through {was}"
        return None

    def _batch(self, child: str, msg: dict) -> None:
        site, tag, rows = msg["site"], msg["tag"], [tuple(r) for r in msg["rows"]]
        got = self.received.setdefault(site, dict.fromkeys(RECEIVED, 0))
        got["batches"] += 1
        got["rows"] += len(rows)
        if msg.get("audit"):
            got["audit"] += len(rows)
        why = self._route(child, site)
        head = self.store.head(site)
        if why is None and head is not None and head.tag != tag:
            why = (f"{site} sent records of a new store (its first record {tag[:12]}…, held here {head.tag[:12]}…): "
                   "its old log stays here; the new one is not taken until the county decides")
            self.store.finding(site, 0, "new_store", why)
        if why is not None:
            self.counts["refused"] += 1
            log.warning("mirror: %s from %s refused: %s", site, child, why)
            self._ack(child, site, head.seq if head and head.tag == tag else 0, msg["epoch"], False, why)
            got["refused"] += len(rows)
            return
        for _ in range(3):
            stored = {}
            if head is not None and rows and rows[0][0] <= head.seq:
                stored = self.store.hashes(site, rows[0][0], min(rows[-1][0], head.seq))
            v = chain.check(head, msg["after"], rows, stored)
            if v.gap:
                self.counts["gaps"] += 1
                got["gap"] += len(rows)
                break
            if self.store.store(site, tag, child, head, v):
                got["new"] += len(v.new)
                got["again"] += v.duplicates
                break
            head = self.store.head(site)  # another ingester moved it: look again
        else:
            got["unstored"] += len(rows)
            return  # not stored: no ack, the child sends it again
        self.via[site] = child
        self.counts["records"] += len(v.new)
        self.counts["duplicates"] += v.duplicates
        self.counts["findings"] += len(v.findings)
        for seq, kind, detail in v.findings:
            log.error("mirror: %s record %d: %s (%s)", site, seq, detail, kind)
        self._relays(site, tag, [r for r in rows if r[0] <= v.head])
        if not msg.get("audit"):
            self._ack(child, site, v.head, msg["epoch"], v.gap)
        if v.new:
            for listener in self.listeners:
                listener(site)

    def _ack(self, child: str, site: str, upto: int, epoch: int, gap: bool, refused: str | None = None) -> None:
        extra = {"refused": refused} if refused else {}
        self.conn.publish(wire.down_topic(self.hall.id, child),
                          wire.encode("ack", site=site, upto=upto, epoch=epoch, gap=gap, **extra))

    def _relays(self, site: str, tag: str, rows: list) -> None:
        """Cases sent up to this hall: into its engine once each (the record is the origin)."""
        for seq, record, _prev, _hash in rows:
            if '"case_relayed"' not in record:
                continue
            for ev in json.loads(record)["outcome"].get("events") or ():
                if ev.get("type") != "case_relayed" or ev.get("to") != self.hall.id:
                    continue
                cmd = {"type": "relay_receive", "at": self.clock(), "from": site,
                       "origin": {"dev": f"mirror:{site}", "boot": tag[:16], "seq": seq},
                       **{k: ev.get(k) for k in ("relay", "ticket", "number", "service", "matter", "project_no",
                                                 "origin_hall", "note", "sent_at") if ev.get(k) is not None}}
                out = self.runtime.submit(cmd)
                self.counts["relays"] += 1
                if not out.ok:
                    log.warning("mirror: case %s from %s not taken: %s", ev.get("relay"), site, out.refusal)

    # -- down: answers to cases, and the audit --------------------------------------
    def _loop(self) -> None:
        log_store = OutboxStore(self.db, "children")
        for c in sorted(self.children):
            self.downs[c] = Down(c, OutboxStore(self.db, f"child:{c}"))
        store = None
        next_audit = time.monotonic() + self.hall.mirror.audit_seconds
        try:
            while not self._stop.is_set():
                try:
                    if self.conn.connected.is_set():
                        tag = log_store.log.first_hash() or ""
                        for d in self.downs.values():
                            self._down(log_store, d, tag)
                        if time.monotonic() >= next_audit:
                            store = store or self.open_store()
                            self.audit(store)
                            next_audit = time.monotonic() + self.hall.mirror.audit_seconds
                except Exception:
                    log.exception("mirror: down step failed")
                    store = None
                    self._stop.wait(1.0)
                self._wake.wait(0.5)
                self._wake.clear()
        finally:
            log_store.close()
            for d in self.downs.values():
                d.store.close()
            if store is not None:
                store.close()

    def _down(self, log_store: OutboxStore, d: Down, tag: str) -> None:
        now = time.monotonic()
        if d.cum.acked > d.store.cursor():
            d.store.advance(d.cum.acked)
        if d.cum.due(now):
            log.info("mirror: %s has not confirmed the answers; sending again from %d", d.child, d.cum.acked)
        while d.cum.may_send(now):
            after = d.cum.sent
            start = d.empty[1] if d.empty[0] <= after < d.empty[1] else after
            scan = log_store.log.matching(start, SCAN_ROWS, events=("relay_resolved",))
            rows = []
            for rec in scan.records:
                evs = [e for e in rec["outcome"]["events"]
                       if e.get("type") == "relay_resolved" and e.get("to") == d.child]
                if evs:
                    rows.append([rec["seq"], evs])
            if not rows:
                if scan.upto > start:
                    d.empty = (after, scan.upto) if d.empty[1] < after or d.empty[0] > after else \
                        (d.empty[0], scan.upto)
                    continue
                return
            msg = wire.encode("relay", tag=tag, epoch=d.cum.epoch, after=after, upto=rows[-1][0], rows=rows)
            if not self.conn.publish(wire.down_topic(self.hall.id, d.child), msg):
                return
            d.cum.sent_to(rows[-1][0], now)

    def audit(self, store: SiteStore) -> None:
        """Ask each site for its next range of records again (the chain check compares them)."""
        for s in store.sites():
            site, head = s["hall_id"], s["head_seq"]
            if not head or s["via"] not in self.children:
                continue
            pos = self.audit_pos.get(site, 0)
            if pos >= head:
                pos = 0
            hi = min(pos + AUDIT_ROWS, head)
            self.conn.publish(wire.down_topic(self.hall.id, s["via"]),
                              wire.encode("audit", site=site, **{"from": pos + 1, "to": hi}))
            self.audit_pos[site] = hi

    def describe(self) -> dict:
        return {"children": sorted(self.children), "connected": self.conn.connected.is_set(),
                "counts": dict(self.counts), "received": {k: dict(v) for k, v in self.received.items()},
                "down": {c: {"acked": d.cum.acked, "sent": d.cum.sent} for c, d in self.downs.items()}}
