"""Where a simulated day starts: the next working weekday's opening, in the
hall's own time zone, so tickets are issued inside opening hours whatever the
real date. The gateway then runs on start + (now - real_start) * speed."""
from __future__ import annotations

import datetime as dt
import time

from gateway.config.model import Hall
from gateway.engine.calendar import HallCalendar


def next_working_weekday(hall: Hall, after: dt.date) -> dt.date:
    cal = HallCalendar(hall)
    d = after + dt.timedelta(days=1)
    while d.weekday() >= 5 or not cal.spans(d):
        d += dt.timedelta(days=1)
    return d


def day_start(hall: Hall, hour: float | None = None, now: float | None = None) -> tuple[dt.date, float]:
    """(date, epoch) of the next working weekday at `hour` local time, or at its opening."""
    cal = HallCalendar(hall)
    today = cal.local(time.time() if now is None else now).date()
    day = next_working_weekday(hall, today)
    if hour is None:
        return day, cal.spans(day)[0][0]
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=cal.tz).timestamp()
    return day, midnight + hour * 3600


def demo_clock(hall: Hall) -> tuple[float, float, float] | None:
    """None (real time) while the hall is open; else a clock starting at the next opening."""
    now = time.time()
    if HallCalendar(hall).open_span(now):
        return None
    _, start = day_start(hall, None, now)
    return (start, 1.0, now)
