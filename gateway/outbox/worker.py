"""The delivery loop of one destination: read committed records from its cursor,
derive the items it wants, and deliver them in log order until each is
acknowledged by the receiver (or refused for good: dead letter).

Woken by the runtime after each commit, so an item leaves within milliseconds while
the link is up. A transport failure backs the whole destination off (capped
exponential backoff with jitter: the receiver is down for every item, not for one);
a permanent refusal puts that one item in dead letter and the next goes on.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gateway.disk import StoreFull
from gateway.outbox.store import Item, OutboxStore

log = logging.getLogger("hallgw.outbox")

ACCEPTED, DUPLICATE, RETRY, DEAD = "accepted", "duplicate", "retry", "dead"
BATCH = 500  # records derived per transaction while scanning the log
UNWRITTEN = "(not written yet)"


@dataclass(frozen=True)
class Result:
    outcome: str  # accepted | duplicate (both count as delivered) | retry | dead
    detail: str = ""


class Destination(Protocol):
    name: str

    def derive(self, rec: dict) -> list[tuple[str, str]]:
        """(key, kind) of each item this committed record yields; keys stable forever."""

    def deliver(self, item: Item, rec: dict) -> Result:
        """Send one item built from its record; never raises for the receiver's answers."""

    # Optional: waits(item, state_of) -> why the item must wait for another (None: it may go),
    # with state_of(key) -> that item's state; e.g. a follow-up waits for its rating.


def backoff(failures: int, base: float, cap: float, rnd: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `failures` failures in a row: base·2ⁿ capped, less up to half (jitter),
    so a hall's worth of gateways coming back after an outage do not knock in step."""
    top = min(cap, base * (2 ** min(failures - 1, 30)))
    return top * (0.5 + rnd() / 2)


class Outbox:
    def __init__(self, db: str | Path, dest: Destination, *, retry_base: float = 0.5, retry_max: float = 300.0,
                 idle_check: float = 5.0, on_result: Callable[[Item, Result, float], None] | None = None):
        # on_result(item, result, perf_counter() when the answer came): for benchmarks
        self.dest = dest
        self.db = Path(db)
        self.retry_base, self.retry_max, self.idle_check = retry_base, retry_max, idle_check
        self.on_result = on_result
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.link_next = 0.0
        self.held: str | None = None
        self._held_written: str | None = None
        self.counts = {ACCEPTED: 0, DUPLICATE: 0, RETRY: 0, DEAD: 0}

    # -- control ------------------------------------------------------------------
    def poke(self, _events=None) -> None:
        """A runtime subscriber: something was committed (or a retry was asked for)."""
        self._wake.set()

    def hold(self, why: str | None) -> None:
        """Stop delivering (why) or go on (None); items keep being derived meanwhile."""
        self.held = why
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"outbox-{self.dest.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    # -- the loop -------------------------------------------------------------------
    def _run(self) -> None:
        store = OutboxStore(self.db, self.dest.name)
        self._held_written = UNWRITTEN  # the first step writes whether delivery is held
        full = False
        try:
            while not self._stop.is_set():
                try:
                    wait = self.step(store)
                    full = False
                except StoreFull as e:
                    # Its state not written: an item delivered meanwhile goes again once there is
                    # room, and the receiver answers it as a duplicate (delivered all the same).
                    if not full:
                        log.warning("outbox %s: waiting for room on the disk: %s", self.dest.name, e.__cause__ or e)
                    full, wait = True, self.idle_check
                except Exception:
                    log.exception("outbox %s: step failed", self.dest.name)
                    wait = 1.0
                if wait:
                    self._wake.wait(wait)
                    self._wake.clear()
        finally:
            store.close()

    def step(self, store: OutboxStore) -> float:
        """One round: scan, then deliver what is due. Returns seconds to wait (0: go on)."""
        self.scan(store)
        held = self.held
        if held != self._held_written:
            store.hold(held)
            self._held_written = held
        if held:
            return self.idle_check
        now = time.time()
        if now < self.link_next:
            return min(self.link_next - now, self.idle_check)
        batch = store.pending(limit=500)
        waits = getattr(self.dest, "waits", None)
        moved = False
        for item in batch:
            if self._stop.is_set() or self.held:
                return 0
            if waits is not None and waits(item, lambda key: getattr(store.item(key), "state", None)):
                continue  # stays pending, no attempt counted, no backoff
            moved = True
            if not self._deliver(store, item):
                return max(0.0, self.link_next - time.time())
        return 0 if moved else self.idle_check

    def scan(self, store: OutboxStore) -> int:
        """Derive the items of every record committed after the cursor."""
        new = 0
        while True:
            cur = store.cursor()
            recs = list(store.log.records_after(cur, BATCH))
            if not recs:
                return new
            items = [(key, rec["seq"], kind) for rec in recs for key, kind in self.dest.derive(rec)]
            new += store.take(recs[-1]["seq"], items)

    def _deliver(self, store: OutboxStore, item: Item) -> bool:
        rec = store.log.record(item.seq)
        try:
            res = self.dest.deliver(item, rec) if rec is not None else Result(DEAD, f"record {item.seq} is gone")
        except Exception as e:  # an adapter bug must not stop the hall's other deliveries
            log.exception("outbox %s: delivering %s failed", self.dest.name, item.key)
            res = Result(RETRY, f"{type(e).__name__}: {e}")
        answered = time.perf_counter()
        self.counts[res.outcome] = self.counts.get(res.outcome, 0) + 1
        if res.outcome in (ACCEPTED, DUPLICATE):
            store.delivered(item.key, res.outcome if not res.detail else f"{res.outcome}: {res.detail}")
            if self.failures:
                store.link_error(None)
            self.failures = 0
        elif res.outcome == DEAD:
            log.warning("outbox %s: %s refused for good: %s", self.dest.name, item.key, res.detail)
            store.failed(item.key, res.detail, dead=True)
        else:
            self.failures += 1
            delay = backoff(self.failures, self.retry_base, self.retry_max)
            self.link_next = time.time() + delay
            store.failed(item.key, res.detail, dead=False)
            log.info("outbox %s: %s not delivered (%s); next try in %.1f s", self.dest.name, item.key,
                     res.detail, delay)
        if self.on_result is not None:
            self.on_result(item, res, answered)
        return res.outcome != RETRY
