"""Satisfaction over weeks (满意度 trend): per week for the hall, each window and each staff
member, the weeks ending with the one that holds `date` (today by default). Weeks run Monday
to Sunday; a rating counts for the service day of the service it judges, as in the report."""
from __future__ import annotations

import datetime as dt

from gateway.engine import satisfaction as sat
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
    counts: dict[tuple, list[dict]] = {}  # (kind, key) -> per week, {level: ratings}

    def add(kind, key, week, level):
        c = counts.setdefault((kind, key), [{} for _ in range(weeks)])
        c[week][level] = c[week].get(level, 0) + 1

    with store.reading() as seq:
        rows = store.query("SELECT day, window, staff, level FROM ratings WHERE day BETWEEN ? AND ?" + where,
                           (start.isoformat(), end.isoformat(), *args))
    for day, win, st, level in rows:
        week = (dt.date.fromisoformat(day) - start).days // 7
        add("hall", None, week, level)
        add("window", win, week, level)
        if st is not None:
            add("staff", st, week, level)

    def series(kind, key) -> dict:
        c = counts.get((kind, key)) or [{} for _ in range(weeks)]
        return {"rated": [sum(w.values()) for w in c], "satisfaction_rate": [sat.rate(w) for w in c]}

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
            "definition": sat.DEFINITION + "；按周（周一至周日）统计，无评价的周为“无数据”",
            "hall": series("hall", None),
            "windows": [{"window": k, "name": names_w.get(k), **series("window", k)} for k in keys("window")],
            "staff": [{"staff": k, "name": names_s.get(k), **series("staff", k)} for k in keys("staff")]}
