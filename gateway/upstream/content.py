"""The province's evaluation content: fetched at start and then every
content_refresh_hours, checked against the level map, and put on the evaluators
through the engine (a `set_content` command, so each version is in the audited
log and every rating says which version the citizen chose from).

Until the level map has been checked against the platform, delivery is held:
a map the wrong way round would report every 非常满意 as 非常不满意. Only content
that points that way holds it (gateway/upstream/mapping.py); content that cannot
tell (praise tags for every level) lets the ratings go, with a warning on the
dashboard until a supervisor confirms the map (a `confirm_level_map` command). A
map once found not reversed is noted in the store (and whether it was unclear), so
a restart while the platform is unwell neither holds the hall's ratings back nor
forgets the warning; it is checked again at every refresh.
"""
from __future__ import annotations

import logging
import threading

from gateway.engine import reads
from gateway.upstream.mapping import RIGHT, UNCLEAR, LevelCheck, check_levels, fetch_content, map_cn, map_text

log = logging.getLogger("hallgw.upstream")


NOTE = "level_map_checked"
UNCLEAR_NOTE = "level_map_unclear"  # the last check could not tell the map's direction


def fingerprint(hall) -> str:
    return f"{platform(hall)} {map_text(hall)}"


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
        self.verdict: LevelCheck | None = None  # the last check of the level map in this run
        # The notes as last read or written: the dashboard's thread reads these, never the store
        # (its connection belongs to the content thread).
        self._notes: dict[str, str | None] = {}

    def start(self) -> None:
        if not self.adapter.has_content:
            self.last = "this interface has no content call: the hall file's reasons are used"
            return
        if self.store is not None:
            self._notes = {k: self.store.noted(k) for k in (NOTE, UNCLEAR_NOTE)}
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
        check = check_levels(self.hall, self.adapter)
        self.verdict = check
        if check.holds:
            self._note(None)
            self._note(None, UNCLEAR_NOTE)
            self.outbox.hold(check.why())
            self.last = "delivery held: " + check.why()
            log.error("upstream: %s", self.last)
            return self.last
        if check.verdict == UNCLEAR:
            log.warning("upstream: %s", check.why())
        version, reasons = fetch_content(self.hall, self.adapter)
        current = self.runtime.read(lambda eng: reads.content(eng).version)
        self._note(fingerprint(self.hall))
        self._note(fingerprint(self.hall) if check.verdict == UNCLEAR else None, UNCLEAR_NOTE)
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


    def level_map(self) -> dict | None:
        """The level map's standing for the dashboard: state (right | reversed | unclear |
        confirmed | unchecked), the Chinese a supervisor reads, whether they may confirm it.
        None for an interface without content: there is nothing to check the map against."""
        if not self.adapter.has_content:
            return None
        fp = fingerprint(self.hall)
        verdict = self.verdict.verdict if self.verdict is not None else None
        if verdict is None and self._noted() == fp:  # not checked in this run yet: the last check's
            verdict = UNCLEAR if self._noted(UNCLEAR_NOTE) == fp else RIGHT
        out = {"map": map_text(self.hall), "map_cn": map_cn(self.hall)}
        if verdict is None:
            return out | {"state": "unchecked", "text": "正在向省平台核对等级对应，核对前暂缓上报。"}
        if verdict != UNCLEAR:
            check = self.verdict or LevelCheck(verdict, {})
            return out | {"state": verdict, "text": check.chinese(), "detail": check.why() or None}
        conf = self.runtime.read(lambda eng: reads.level_map_confirmation(eng))
        if conf is not None and (conf.map, conf.platform) == (map_text(self.hall), platform(self.hall)):
            names = {s.id: s.name for s in self.hall.staff}
            return out | {"state": "confirmed", "by": conf.by, "by_name": names.get(conf.by), "at": conf.at}
        if self.verdict is not None:
            text, detail = self.verdict.chinese(), self.verdict.why()
        else:  # the last run's check, from the notes: what it saw is not kept, only that it could not tell
            text, detail = ("上次核对时无法从省平台的评价内容判断等级对应方向。评价照常上报。"
                            "请向省平台核实下面的等级对应，无误后点“已向省平台核实，确认等级对应”。"), None
        return out | {"state": UNCLEAR, "text": text, "detail": detail, "confirmable": True}

    def _noted(self, key: str = NOTE) -> str | None:
        return self._notes.get(key)

    def _note(self, value: str | None, key: str = NOTE) -> None:
        if self.store is not None:
            self.store.note(key, value)
            self._notes[key] = value


def platform(hall) -> str:
    """Which platform a confirmation of the level map holds for: the adapter and its address."""
    return f"{hall.upstream.adapter} {hall.upstream.url}"


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
