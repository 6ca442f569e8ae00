"""The queue engine: commands in, events out, deterministic given the commands' times.

No I/O and no clock reads; time enters only through cmd["at"]. Every command is
checked before anything changes, so a refusal leaves the state as it was. Time
passing (a new service day, an evaluation prompt running out) is applied first
and its events ride on whatever command brought the time, refused or not.
"""
from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from gateway.config.model import Hall
from gateway.engine import appointments as ap
from gateway.engine import clock as ck
from gateway.engine import content as ct
from gateway.engine import followup as fu
from gateway.engine import guard, rules
from gateway.engine import level_map as lm
from gateway.engine import relay as rl
from gateway.engine import stats as st
from gateway.engine import supplementary as sup
from gateway.engine.calendar import HallCalendar
from gateway.engine.commands import problem
from gateway.engine.compat import StoreMismatch, mismatches
from gateway.engine.evaluation import time_out
from gateway.engine.handlers import BEFORE, FIRST, HANDLERS
from gateway.engine.line import WaitingLine

SNAPSHOT_VERSION = 1


@dataclass
class Outcome:
    ok: bool
    refusal: str | None = None
    events: list[dict] = field(default_factory=list)
    result: dict | None = None

    def to_dict(self) -> dict:
        return {"ok": self.ok, "refusal": self.refusal, "events": self.events, "result": self.result}

    @classmethod
    def from_dict(cls, d: dict) -> Outcome:
        return cls(d["ok"], d.get("refusal"), d.get("events", []), d.get("result"))


class Engine:
    def __init__(self, hall: Hall):
        self.hall = hall
        self.cal = HallCalendar(hall)
        self.codes = [s.code for s in hall.services]
        self.prefix = {s.code: s.prefix for s in hall.services}
        self.staff_by_code = {s.login_code: s for s in hall.staff if s.login_code}  # legacy logins only
        self.staff_by_id = {s.id: s for s in hall.staff}
        self.staff_ids = set(self.staff_by_id)
        self.win_cfg = {w.number: w for w in hall.windows}
        self.matters = {s.code: tuple(m.code for m in s.matters) for s in hall.services}
        self.day: str | None = None
        self.next_rollover = float("-inf")
        self.seq = dict.fromkeys(self.codes, 0)  # today's last ticket number per service
        self.order = 0  # issue order across all days: ties in issue time break by it
        self.tickets: dict[str, dict] = {}
        self.by_number: dict[str, str] = {}  # printed number -> id, open tickets of the current numbering
        self.line = WaitingLine(self.codes, hall.queue.normal_per_priority, self.tickets)
        self.windows = {n: _closed_window(n) for n in self.win_cfg}
        self.staff_at: dict[str, int] = {}
        self.prompts: dict[str, dict] = {}  # pending evaluation prompts
        self.prompt_heap: list = []
        self.prompt_counter = 0
        self.prompt_done: dict[str, str] = {}  # today's closed prompts -> rated | timed_out | cancelled
        self.expired: dict[str, dict] = {}  # today's timed-out prompts, for a rating delivered late
        self.followups: list[dict] = []  # 差评 follow-up items, in creation order
        self.followup_by_id: dict[str, dict] = {}
        self.followup_heap: list = []  # (due, kind, id): the next follow-up deadlines to look at
        self.supplementary: dict[str, dict] = {}  # 补充评价 code -> the served ticket's record
        self.live_sup_codes: set[str] = set()  # codes on the tickets still here (taken, until the rollover)
        self.content: dict = {}  # the evaluation content in force: {version, reasons: [{code, text}]}
        self.content_codes: dict[str, list[str]] = {}  # every version seen -> its reason codes
        self.content_source = ct.HALL
        self.bad_reasons: set[str] = set()
        ct.install(self, ct.from_hall(hall), ct.HALL)
        self.alerts: dict[str, dict] = {}  # active alerts by key
        self.login_guard: dict[int, dict] = {}  # window -> {wrong, locks, until}: wrong login codes
        self.appointments: dict[str, dict] = {}  # "day:code" -> appointment (预约), today's and later
        self.appointment_heap: list = []  # (check-in closes, key): booked ones become no-shows then
        self.relays: dict[str, dict] = {}  # 帮办代办 cases sent up to the parent hall or received from below
        self.stats = st.new_stats("")
        self.stats_since = 0.0
        self.level_map_confirmed: dict | None = None  # the supervisor's latest confirmation of the level map
        self.clock = ck.initial()  # the clock's facts as logged (gateway/engine/clock.py)

    # -- commands -------------------------------------------------------------
    def handle(self, cmd: dict) -> Outcome:
        why = problem(cmd, self.win_cfg)
        if why:
            return Outcome(False, why)
        at = float(cmd["at"])
        events: list[dict] = []
        waiting_before = tuple(self.line.waiting.values())
        before = BEFORE.get(cmd["type"])
        if before is not None:  # a clock's step moves the state's times before time passes
            before(self, cmd, at, events)
        self._pass_time(at, events)
        # What a first step records stands even when the command is refused (wrong login codes).
        first = FIRST.get(cmd["type"])
        refusal = first(self, cmd, at, events) if first else None
        marker = len(events)
        result = None
        if not refusal:
            refusal, result = HANDLERS[cmd["type"]](self, cmd, at, events)
        if refusal:
            del events[marker:]  # handlers refuse before changing anything, so no event may escape
            self._queue_changed(at, events, waiting_before)
            ck.mark(self, events)
            return Outcome(False, refusal, events)
        self._queue_changed(at, events, waiting_before)
        ck.mark(self, events)
        return Outcome(True, None, events, result)

    def _queue_changed(self, at: float, events: list, before: tuple) -> None:
        if tuple(self.line.waiting.values()) != before:
            events.append({"type": "queue_changed", "at": at, "waiting": dict(self.line.waiting)})

    def _pass_time(self, at: float, events: list) -> None:
        guard.pass_time(self, at, events)
        rules.after_hours(self, at, events)
        ap.pass_time(self, at, events)
        if at >= self.next_rollover:
            self._new_day(at, events)
        heap = self.prompt_heap
        while heap and heap[0][0] <= at:
            _, pid = heapq.heappop(heap)
            if pid in self.prompts:
                time_out(self, pid, at, events)
        fu.pass_time(self, at, events)

    def _new_day(self, at: float, events: list, carry: frozenset | set = frozenset(),
                 numbered: frozenset | set = frozenset(), keep_stats: bool = False,
                 prompts: frozenset | set = frozenset()) -> None:
        """carry, numbered, keep_stats, prompts: what a clock's step keeps of a day begun on a wrong
        clock (gateway/engine/clock.py): its tickets, their services' numbering, its figures, its
        evaluation prompts."""
        # A prompt still open when the day ends is yesterday's: it ends "not rated" there.
        for pid in list(self.prompts):
            if pid not in prompts:
                time_out(self, pid, at, events)
        self.prompt_heap = [(p["deadline"], pid) for pid, p in self.prompts.items()]
        heapq.heapify(self.prompt_heap)
        day = self.cal.service_day(at)
        previous, self.day = self.day, day.isoformat()
        self.next_rollover = self.cal.day_begins(day + dt.timedelta(days=1))
        keep = self.hall.queue.keep_open_overnight
        if keep_stats:
            self.stats["day"] = self.day
        else:
            self.stats = st.new_stats(self.day)
        self.stats_since = self.cal.day_begins(day)
        ck.day_begun(self, at)
        removed = 0
        for tid, t in list(self.tickets.items()):
            if tid in carry:
                continue
            if t["state"] == "done":
                del self.tickets[tid]
            elif not keep:
                # Each removed ticket is recorded (and so in the audit log) before it goes.
                events.append({"type": "ticket_reset", "at": at, "ticket": tid, "number": t["number"],
                               "service": t["service"], "lane": t["lane"], "was": t["state"],
                               "window": t["window"], "day": t["day"]})
                t["state"], t["outcome"], t["finished_at"] = "done", "reset", at
                removed += 1
                del self.tickets[tid]
        open_services = {t["service"] for t in self.tickets.values() if t["state"] != "done"} | set(numbered)
        for code in self.codes:
            if code not in open_services:  # an open ticket kept overnight keeps its number series
                self.seq[code] = 0
        self.by_number = {t["number"]: tid for tid, t in self.tickets.items() if t["state"] != "done"}
        self.live_sup_codes = _sup_codes(self.tickets)
        sup.prune(self, at)
        ap.new_day(self, self.day)
        self.prompt_done = {}
        self.expired = {}
        guard.new_day(self, at)
        for w in self.windows.values():
            if not keep_stats:
                w["cases"] = 0
            if w["ticket"] is not None and w["ticket"] not in self.tickets:
                w["ticket"], w["ticket_number"], w["status"], w["since"] = None, None, "idle", at
                w["recalls"] = 0
                events.append(self.window_event(w, at))
        self.line.rebuild(self.line.run)
        # Also on the first day, so a tick that starts it changes state visibly and is logged.
        events.append({"type": "day_started", "at": at, "day": self.day, "previous": previous,
                       "removed": removed, "kept": len(self.tickets), **({"carried": len(carry)} if carry else {})})

    # -- helpers used by handlers --------------------------------------------
    def window_event(self, w: dict, at: float) -> dict:
        return {"type": "window_changed", "at": at, "window": w["number"], "status": w["status"],
                "ticket": w["ticket"], "number": w["ticket_number"],
                "staff": w["staff"], "post": w["post"], "paused_reason": w["paused_reason"],
                "until": w["until"]}

    def leave_idle(self, w: dict, at: float) -> None:
        """Account the idle time of a window (and its clerk) that stops being idle."""
        if w["status"] == "idle" and w["since"] is not None:
            idle = max(0.0, at - max(w["since"], self.stats_since))
            st.add(self.stats, "idle_s", idle, window=w["number"], staff=w["staff"])

    def set_status(self, w: dict, status: str, at: float) -> None:
        self.leave_idle(w, at)
        w["status"], w["since"] = status, at

    def live_idle(self, at: float) -> dict[str, float]:
        out = {}
        for w in self.windows.values():
            if w["status"] == "idle" and w["since"] is not None:
                idle = max(0.0, at - max(w["since"], self.stats_since))
                out[str(w["number"])] = idle
                out["staff:" + w["staff"]] = idle
        return out

    # -- snapshot ---------------------------------------------------------------
    def snapshot(self) -> dict:
        return {"version": SNAPSHOT_VERSION, "hall": self.hall.id, "day": self.day, "seq": dict(self.seq),
                "order": self.order, "tickets": [dict(t, transfers=[dict(x) for x in t["transfers"]],
                                                      queue=dict(t["queue"])) for t in self.tickets.values()],
                "windows": [dict(w) for w in self.windows.values()], "staff_at": dict(self.staff_at),
                "prompts": [dict(p) for p in self.prompts.values()], "prompt_counter": self.prompt_counter,
                "prompt_done": dict(self.prompt_done), "expired": [dict(p) for p in self.expired.values()],
                "followups": [fu.public(f) for f in self.followups],
                "alerts": {k: dict(v) for k, v in self.alerts.items()}, "run": dict(self.line.run),
                "stats": _deep(self.stats), "stats_since": self.stats_since,
                "supplementary": {c: dict(e) for c, e in self.supplementary.items()}, **ct.snapshot(self),
                **rl.snapshot(self), **guard.snapshot(self), **ap.snapshot(self), **lm.snapshot(self), **ck.snapshot(self)}

    @classmethod
    def restore(cls, hall: Hall, snap: dict) -> Engine:
        if snap.get("version") != SNAPSHOT_VERSION or snap.get("hall") != hall.id:
            raise ValueError("snapshot is from another version or hall")
        problems = mismatches(hall, snap)
        if problems:
            raise StoreMismatch(problems)
        e = cls(hall)
        e.day = snap["day"]
        if e.day is not None:
            e.next_rollover = e.cal.day_begins(dt.date.fromisoformat(e.day) + dt.timedelta(days=1))
        e.seq.update(snap["seq"])
        e.order = snap["order"]
        for t in snap["tickets"]:
            t = _deep(t)
            for k in ("matter", "project_no", "sup_code"):  # a snapshot from before 好差评 reporting
                t.setdefault(k, None)
            t.setdefault("printing", False)  # a snapshot from before printing tickets
            e.tickets[t["id"]] = t
        e.live_sup_codes = _sup_codes(e.tickets)
        e.by_number = {t["number"]: tid for tid, t in e.tickets.items() if t["state"] != "done"}
        for w in snap["windows"]:
            if w["number"] in e.windows:  # a window taken out of the hall file (and left empty) goes
                e.windows[w["number"]] = dict(w)
        e.staff_at = dict(snap["staff_at"])
        for p in snap["prompts"]:
            e.prompts[p["prompt"]] = dict(p)
            heapq.heappush(e.prompt_heap, (p["deadline"], p["prompt"]))
        e.prompt_counter = snap["prompt_counter"]
        e.prompt_done = dict(snap["prompt_done"])
        e.expired = {p["prompt"]: dict(p) for p in snap.get("expired", [])}
        fu.restore(e, snap["followups"])
        e.supplementary = {c: dict(x) for c, x in snap.get("supplementary", {}).items()}
        ct.restore(e, snap)
        rl.restore(e, snap)
        guard.restore(e, snap)
        ap.restore(e, snap)
        lm.restore(e, snap)
        ck.restore(e, snap)
        e.alerts = {k: dict(v) for k, v in snap["alerts"].items()}
        e.stats = _deep(snap["stats"])
        e.stats_since = snap["stats_since"]
        e.line.rebuild(snap["run"])
        return e


def _closed_window(n: int) -> dict:
    return {"number": n, "status": "closed", "staff": None, "post": None, "ticket": None, "ticket_number": None,
            "recalls": 0, "since": None, "paused_reason": None, "until": None, "cases": 0,
            "last_served": None, "prompt": None, "login_at": None}


def _sup_codes(tickets: dict) -> set[str]:
    return {t["sup_code"] for t in tickets.values() if t.get("sup_code")}


def _deep(x):
    if isinstance(x, dict):
        return {k: _deep(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_deep(v) for v in x]
    return x
