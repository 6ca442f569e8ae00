"""The hall's calendar: service days, opening hours and working days.

Pure: every answer is derived from an epoch time passed in, never from a clock.
Results are cached per date because the engine asks on every command.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gateway.config.model import WEEKDAYS, Hall

Span = tuple[float, float]


class HallCalendar:
    def __init__(self, hall: Hall):
        self.tz = ZoneInfo(hall.timezone)
        self.hours = hall.hours
        start = hall.queue.service_day_start
        self.day_offset = dt.timedelta(hours=start.hour, minutes=start.minute)
        self.day_start = start
        self._spans: dict[dt.date, list[Span]] = {}

    def local(self, at: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(at, self.tz)

    def service_day(self, at: float) -> dt.date:
        """The day a ticket belongs to: the local date, shifted by service_day_start."""
        return (self.local(at) - self.day_offset).date()

    def day_begins(self, day: dt.date) -> float:
        return dt.datetime.combine(day, self.day_start, tzinfo=self.tz).timestamp()

    def end_of(self, day: dt.date) -> float:
        """The end of a calendar date (local midnight after it): a deadline "by that day" runs out then."""
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.tz).timestamp()

    def next_rollover(self, at: float) -> float:
        return self.day_begins(self.service_day(at) + dt.timedelta(days=1))

    def _weekly(self, day: dt.date):
        sessions = self.hours.weekly.get(WEEKDAYS[day.weekday()], ())
        if not sessions and day in self.hours.workdays:
            # 调休: a weekend day worked keeps the first ordinary weekday's hours.
            sessions = next((self.hours.weekly[d] for d in WEEKDAYS if self.hours.weekly.get(d)), ())
        return sessions

    def spans(self, day: dt.date) -> list[Span]:
        """Opening spans of a calendar date as epoch pairs (lunch gap closed if 午间不间断)."""
        got = self._spans.get(day)
        if got is not None:
            return got
        out: list[Span] = []
        if day not in self.hours.holidays:
            weekly = sorted(self._weekly(day))
            if weekly and self.hours.lunch_service:
                weekly = [(weekly[0][0], max(e for _, e in weekly))]
            extra = self.hours.extended.get(WEEKDAYS[day.weekday()], ())
            for a, b in sorted(list(weekly) + list(extra)):
                s, e = self._epoch(day, a), self._epoch(day, b)
                if out and s <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], e))
                elif e > s:
                    out.append((s, e))
        if len(self._spans) > 64:
            self._spans.clear()
        self._spans[day] = out
        return out

    def _epoch(self, day: dt.date, t: dt.time) -> float:
        return dt.datetime.combine(day, t, tzinfo=self.tz).timestamp()

    def open_span(self, at: float) -> Span | None:
        """The opening span containing `at`, or None when the hall is closed."""
        for s, e in self.spans(self.local(at).date()):
            if s <= at < e:
                return (s, e)
        return None

    def is_working_day(self, day: dt.date) -> bool:
        """A 工作日 as deadlines count it: Monday to Friday, less the public holidays,
        plus the 调休 weekend days worked. A hall that also opens on Saturdays does
        not make Saturday a working day for a 差评 deadline."""
        if day in self.hours.holidays:
            return False
        return day in self.hours.workdays or day.weekday() < 5

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (the day itself does not count)."""
        d = day
        for _ in range(366 * 2):
            if n <= 0:
                return d
            d += dt.timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d
