"""Satisfaction over weeks (满意度 trend): per week for the hall, each window and each staff
member, the weeks ending with the one that holds `date` (today by default). Weeks run Monday
to Sunday; a rating counts for the service day of the service it judges, as in the report."""
from __future__ import annotations

import datetime as dt

from gateway.engine.stats import SATISFIED_MIN
from gateway.reports.period import parse_date


def trend(store, hall, weeks: int, date: str | None, window: int | None, staff: str | None, now: float) -> dict:
    d = parse_date(date, "date") if date else store.cal.service_day(now)
    end = d + dt.timedelta(days=6 - d.weekday())
    start = end - dt.timedelta(days=7 * weeks - 1)
    where, args = "", []
    for col, v in (("window", window), ("staff", staff)):
        if v is not None:
            where += f" AND {col} = ?"
            args.append(v)
    counts: dict[tuple, list[int]] = {}  # (kind, key) -> [rated, satisfied] per week, flattened

    def add(kind, key, week, ok):
        c = counts.setdefault((kind, key), [0] * (2 * weeks))
        c[2 * week] += 1
        c[2 * week + 1] += ok

    with store.reading() as seq:
        rows = store.query("SELECT day, window, staff, level FROM ratings WHERE day BETWEEN ? AND ?" + where,
                           (start.isoformat(), end.isoformat(), *args))
    for day, win, st, level in rows:
        week = (dt.date.fromisoformat(day) - start).days // 7
        ok = level >= SATISFIED_MIN
        add("hall", None, week, ok)
        add("window", win, week, ok)
        if st is not None:
            add("staff", st, week, ok)

    def series(kind, key) -> dict:
        c = counts.get((kind, key), [0] * (2 * weeks))
        return {"rated": c[0::2], "satisfaction_rate": [s / n if n else None for n, s in zip(c[0::2], c[1::2],
                                                                                            strict=True)]}

    names_w = {w.number: w.display_text for w in hall.windows}
    names_s = {s.id: s.name for s in hall.staff}
    keys = lambda kind: sorted((k for (kd, k) in counts if kd == kind), key=str)  # noqa: E731
    labels = []
    for i in range(weeks):
        a = start + dt.timedelta(days=7 * i)
        labels.append({"from": a.isoformat(), "to": (a + dt.timedelta(days=6)).isoformat(),
                       "label": f"{a.month}/{a.day}", "iso_week": a.isocalendar()[1]})
    return {"seq": seq, "from": start.isoformat(), "to": end.isoformat(), "weeks": labels,
            "filters": {"window": window, "staff": staff},
            "definition": "满意度 = (非常满意+满意+基本满意)/评价数, per week of the service day",
            "hall": series("hall", None),
            "windows": [{"window": k, "name": names_w.get(k), **series("window", k)} for k in keys("window")],
            "staff": [{"staff": k, "name": names_s.get(k), **series("staff", k)} for k in keys("staff")]}
