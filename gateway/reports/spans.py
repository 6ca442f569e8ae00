"""A window's time in a period: its sessions (login to logout), idle and paused spans,
cut at the service days' bounds; attendance (周考勤) per staff member from them.

A span still open (nobody has logged out yet) runs until the report's `now`. Idle time counts
only inside opening hours: a window left logged in overnight is not idle all night."""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator


class SpanDays:
    def __init__(self, store, period, f, now: float):
        cal = self.cal = store.cal
        self.bounds = [(d.isoformat(), cal.day_begins(d), cal.day_begins(d + dt.timedelta(days=1)))
                       for d in period.dates()]
        self._los = [b[1] for b in self.bounds]
        self.opening = {day: cal.spans(dt.date.fromisoformat(day)) for day, _, _ in self.bounds}
        self.lo, self.hi, self.now = self.bounds[0][1], self.bounds[-1][2], now
        where, args = f.sql(("window", "staff"))
        d0, d1 = self.bounds[0][0], self.bounds[-1][0]
        # Spans begun in the period, and those begun before it and still running into it (the
        # partial index spans_long holds only spans that run past their first day).
        cols = "SELECT window, kind, staff, start, stop, post, reason FROM spans WHERE "
        self.rows = store.query(
            cols + "day BETWEEN ? AND ?" + where + " UNION ALL " + cols + "(end_day IS NULL OR end_day > day) "
            "AND day < ? AND (end_day IS NULL OR end_day >= ?)" + where, (d0, d1, *args, d0, d0, *args))

    def overlaps(self, kind: str, opening_only: bool = False) -> Iterator[tuple[str, int, str, float]]:
        """(day, window, staff, seconds) of every span of `kind`, per day it touches."""
        cut = self.cut_open if opening_only else self.cut
        for win, k, staff, start, stop, _post, _reason in self.rows:
            if k == kind:
                for day, secs in cut(start, stop):
                    yield day, win, staff, secs

    def cut_open(self, start: float, stop: float | None) -> list[tuple[str, float]]:
        """As cut, counting only the hall's opening spans of each day."""
        s, e = max(start, self.lo), min(self.now if stop is None else stop, self.hi)
        out = []
        for day, _part in self.cut(start, stop):
            secs = 0.0
            for a, b in self.opening[day]:
                if b > s and a < e:
                    secs += min(e, b) - max(s, a)
            if secs > 0:
                out.append((day, secs))
        return out

    def cut(self, start: float, stop: float | None) -> list[tuple[str, float]]:
        s, e = max(start, self.lo), min(self.now if stop is None else stop, self.hi)
        if e <= s:
            return []
        i = max(0, bisect.bisect_right(self._los, s) - 1)
        day, lo, hi = self.bounds[i]
        if e <= hi:  # most spans lie inside one day
            return [(day, e - s)]
        out = []
        while i < len(self.bounds) and self.bounds[i][1] < e:
            day, lo, hi = self.bounds[i]
            part = min(e, hi) - max(s, lo)
            if part > 0:
                out.append((day, part))
            i += 1
        return out

    def began_inside(self, start: float) -> bool:
        return self.lo <= start < self.hi


def no_attendance() -> dict:
    return {"days_present": 0, "logins": 0, "logged_in_s": 0.0, "paused_s": 0.0, "pauses": {}, "windows": [],
            "posts": {"A": 0, "B": 0, "none": 0}}


def attendance(spans: SpanDays) -> dict[str, dict]:
    """staff id -> days present, logins (and at which post: A, B or neither, i.e. cover),
    time logged in, pauses by reason and their time, the windows worked at."""
    out: dict[str, dict] = {}
    days: dict[str, set] = {}
    windows: dict[str, set] = {}
    for win, kind, staff, start, stop, post, reason in spans.rows:
        if staff is None or kind == "idle":
            continue
        a = out.get(staff)
        if a is None:
            a = out[staff] = no_attendance()
            days[staff], windows[staff] = set(), set()
        secs = sum(p for _, p in spans.cut(start, stop))
        if kind == "session":
            a["logged_in_s"] += secs
            present = [d for d, _ in spans.cut_open(start, stop)]  # at a window while the hall was open
            days[staff].update(present)
            if present:
                windows[staff].add(win)
            if spans.began_inside(start):
                a["logins"] += 1
                a["posts"][post if post in ("A", "B") else "none"] += 1
        elif kind == "paused":
            a["paused_s"] += secs
            if spans.began_inside(start):
                a["pauses"][reason] = a["pauses"].get(reason, 0) + 1
    for staff, a in out.items():
        a["days_present"] = len(days[staff])
        a["windows"] = sorted(windows[staff])
    return out
