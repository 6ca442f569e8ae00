"""The province's evaluation content: fetched at start and then every
content_refresh_hours, checked against the level map, and put on the evaluators
through the engine (a `set_content` command, so each version is in the audited
log and every rating says which version the citizen chose from).

Until the level map has been checked against the platform, delivery is held:
a map the wrong way round would report every 非常满意 as 非常不满意. A map once
found right is noted in the store, so a restart while the platform is unwell does
not hold the hall's ratings back; it is checked again at every refresh.
"""
from __future__ import annotations

import logging
import threading

from gateway.engine import reads
from gateway.upstream.mapping import check_levels, fetch_content

log = logging.getLogger("hallgw.upstream")


NOTE = "level_map_checked"


def fingerprint(hall) -> str:
    up = hall.upstream
    return f"{up.adapter} {up.url} " + ",".join(f"{k}={v}" for k, v in sorted(up.level_map.items()))


class ContentSync:
    def __init__(self, runtime, adapter, outbox, clock, refresh_s: float, retry_max: float, store=None):
        self.runtime, self.adapter, self.outbox, self.clock = runtime, adapter, outbox, clock
        self.store = store  # an OutboxStore of the destination, for the note that the map was checked
        self.hall = runtime.hall
        self.refresh_s, self.retry_max = refresh_s, retry_max
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checked = False
        self.last: str | None = None  # what the last round did, for status

    def start(self) -> None:
        if not self.adapter.has_content:
            self.last = "this interface has no content call: the hall file's reasons are used"
            return
        if self._noted() != fingerprint(self.hall):
            self.outbox.hold("level map not yet checked against the platform")
        self._thread = threading.Thread(target=self._run, name="upstream-content", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        wait = 1.0
        while not self._stop.is_set():
            try:
                self.sync()
                wait = self.refresh_s
            except Exception as e:
                self.last = f"content not fetched: {type(e).__name__}: {e}"
                log.warning("upstream: %s; again in %.0f s", self.last, wait)
                self._stop.wait(wait)
                wait = min(self.retry_max, wait * 2)
                continue
            self._stop.wait(wait)

    def sync(self) -> str:
        problems = check_levels(self.hall, self.adapter)
        if problems:
            self._note(None)
            self.outbox.hold("; ".join(problems))
            self.last = "delivery held: " + "; ".join(problems)
            log.error("upstream: %s", self.last)
            return self.last
        version, reasons = fetch_content(self.hall, self.adapter)
        current = self.runtime.read(lambda eng: reads.content(eng).version)
        self._note(fingerprint(self.hall))
        self.outbox.hold(None)
        if version == current:
            self.last = f"content {version} is current"
            self.checked = True
            return self.last
        why = _fits(self.hall, version, reasons)
        if why:
            self.checked = True
            self.last = f"content {version} not taken: {why}"
            log.error("upstream: %s", self.last)
            return self.last
        out = self.runtime.submit({"type": "set_content", "at": self.clock(), "version": version,
                                   "reasons": reasons, "source": self.adapter.name})
        self.last = (f"content {version} taken (was {current})" if out.ok
                     else f"content {version} refused: {out.refusal}")
        self.checked = True
        log.info("upstream: %s", self.last)
        return self.last


    def _noted(self) -> str | None:
        return self.store.noted(NOTE) if self.store is not None else None

    def _note(self, value: str | None) -> None:
        if self.store is not None:
            self.store.note(NOTE, value)


def _fits(hall, version: str, reasons: list[dict]) -> str | None:
    if not reasons:
        return "the province lists no 差评 reasons"
    if len(reasons) > 12:
        return f"{len(reasons)} reasons; an evaluator shows at most 12"
    try:
        from gateway.devices.desired import evaluator_state_fits
    except ImportError:
        return None
    return evaluator_state_fits(hall, {"version": version, "reasons": reasons})
