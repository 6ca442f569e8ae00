"""The report's period: day, week (Monday to Sunday), month, calendar quarter or an
inclusive range of at most 366 days, from the query's words, with its Chinese label."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

KINDS = ("day", "week", "month", "quarter", "range")
RANGE_MAX_DAYS = 366
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadQuery(ValueError):
    """A report asked for with a bad period, date or filter: the reason is the message."""


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date
    last: dt.date  # inclusive
    label: str

    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def parse_date(value: str, name: str) -> dt.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise BadQuery(f"{name} must be a date YYYY-MM-DD, not {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name} {value!r} is not a date of the calendar") from None


def resolve(kind: str, date: str | None = None, first: str | None = None, last: str | None = None,
            today: dt.date | None = None) -> Period:
    """The period asked for; `date` defaults to `today` (the hall's service day now)."""
    if kind not in KINDS:
        raise BadQuery(f"period must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "range":
        if date is not None:
            raise BadQuery("period=range takes from= and to=, not date=")
        if first is None or last is None:
            raise BadQuery("period=range needs both from= and to= (YYYY-MM-DD, inclusive)")
        a, b = parse_date(first, "from"), parse_date(last, "to")
        if b < a:
            raise BadQuery(f"from ({a}) is after to ({b})")
        if (b - a).days + 1 > RANGE_MAX_DAYS:
            raise BadQuery(f"a range is at most {RANGE_MAX_DAYS} days; {a} to {b} is {(b - a).days + 1}")
        return Period(kind, a, b, f"{_cn(a)}至{_cn(b, a.year == b.year)}")
    if first is not None or last is not None:
        raise BadQuery(f"from= and to= go with period=range; period={kind} takes date=")
    if date is None and today is None:
        raise BadQuery(f"period={kind} needs date= (YYYY-MM-DD, any day inside the period)")
    d = parse_date(date, "date") if date is not None else today
    if kind == "day":
        return Period(kind, d, d, _cn(d))
    if kind == "week":
        a = d - dt.timedelta(days=d.weekday())
        b = a + dt.timedelta(days=6)
        year, week, _ = a.isocalendar()
        return Period(kind, a, b, f"{_cn(a)}至{_cn(b, a.year == b.year)}（{year}年第{week}周）")
    if kind == "month":
        a = d.replace(day=1)
        return Period(kind, a, _month_end(a), f"{d.year}年{d.month}月")
    q = (d.month - 1) // 3
    a = dt.date(d.year, 3 * q + 1, 1)
    return Period(kind, a, _month_end(dt.date(d.year, 3 * q + 3, 1)), f"{d.year}年第{q + 1}季度")


def _month_end(first: dt.date) -> dt.date:
    nxt = first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    return nxt - dt.timedelta(days=1)


def _cn(d: dt.date, same_year: bool = False) -> str:
    return f"{d.month}月{d.day}日" if same_year else f"{d.year}年{d.month}月{d.day}日"
