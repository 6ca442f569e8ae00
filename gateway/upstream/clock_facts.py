"""The hall clock's facts as the province's records need them: a rating stamped while the clock
was not confirmed waits until it is (synchronized, or set by a supervisor), and every record is
built with its times corrected by the steps logged after it (gateway/engine/clock.py). The log
keeps what was stamped; a record never leaves the hall with yesterday's date on today's service.

The facts are found by scanning the log for `clock` commands (LogReader.matching), once from the
oldest record asked about, then only past what was scanned: clock facts are a few a day."""
from __future__ import annotations

from gateway.engine.calendar import HallCalendar
from gateway.engine.clock import corrected

SCAN = 5000  # records looked at per read while scanning


class ClockFacts:
    def __init__(self, log, hall):
        self.log, self.cal = log, HallCalendar(hall)
        self.start: int | None = None  # the facts after this seq are known …
        self.upto = 0  # … up to this one
        self.facts: dict[int, dict] = {}  # seq -> its clock_changed event

    def after(self, seq: int) -> list[dict]:
        """The clock_changed events logged after `seq`, in order."""
        if self.start is None or seq < self.start:
            self.start, self.upto, self.facts = seq, seq, {}
        while True:
            scan = self.log.matching(self.upto, SCAN, commands=("clock",))
            for rec in scan.records:
                for ev in rec["outcome"].get("events") or ():
                    if ev.get("type") == "clock_changed":
                        self.facts[rec["seq"]] = ev
            if scan.upto == self.upto:
                break
            self.upto = scan.upto
        return [ev for s, ev in sorted(self.facts.items()) if s > seq]

    def confirmed_after(self, seq: int) -> bool:
        return any(ev.get("confirmed") for ev in self.after(seq))

    def corrected(self, seq: int, ev: dict) -> dict:
        """The event with its times as the steps after it correct them (its service day too)."""
        steps = [f["corrected"] for f in self.after(seq) if f.get("corrected")]
        if not steps:
            return ev
        out = dict(ev)
        for k in ("at", "rated_at", "finished_at", "called_at"):
            if isinstance(out.get(k), int | float):
                out[k] = corrected(out[k], steps)
        if out.get("day") and (out.get("finished_at") or out["at"]) != (ev.get("finished_at") or ev["at"]):
            out["day"] = self.cal.service_day(out.get("finished_at") or out["at"]).isoformat()
        return out
