"""A step of the hall's clock, applied to the reporting store's rows (pure: a row in, the row
corrected out). The log keeps what was stamped; its `clock_changed` event says which times were
wrong and by how much ({since, step}: every time at or after `since`, up to the step, moves by
`step`), and the store applies it once, to every row the records before it produced, when the
fold reaches it (store.ReportStore.fold_records). Days follow the corrected times; durations whose
two ends now lie on different clocks are measured again."""
from __future__ import annotations

from collections.abc import Callable

from gateway.engine.clock import moved

# table -> its time columns; (day column, the time it is the service day of)
TIMES = {
    "tickets": ("issued_at", "ready_at", "ended_at"),
    "visits": ("ready_at", "called_at", "started_at", "ended_at"),
    "spans": ("start", "stop"),
    "ratings": ("finished_at", "rated_at", "at"),
    "followups": ("created_at", "closed_at"),
    "alerts": ("started", "ended"),
}
DAYS = {
    "tickets": (("day", "issued_at"), ("ended_day", "ended_at")),
    "visits": (("day", "called_at"),),
    "spans": (("day", "start"), ("end_day", "stop")),
    "ratings": (("day", "finished_at"), ("day", "at")),
    "followups": (("day", "created_at"),),
    "alerts": (("day", "started"),),
}


def corrections(rec: dict) -> list[dict]:
    """The {since, step} corrections a record's events carry (a clock step in an unsynchronized stretch)."""
    return [ev["corrected"] for ev in rec["outcome"].get("events") or ()
            if ev.get("type") == "clock_changed" and ev.get("corrected")]


def row(table: str, r: dict, since: float, step: float, day_of: Callable[[float], str]) -> bool:
    """Correct one row in place; False when none of its times was in the stretch."""
    hit = set()
    for col in TIMES[table]:
        v = r.get(col)
        if v is not None and v >= since:
            r[col] = moved(v, since, step)
            hit.add(col)
    if not hit:
        return False
    done = set()
    for day, col in DAYS[table]:
        if day in done or r.get(col) is None:
            continue
        done.add(day)
        if col in hit:
            r[day] = day_of(r[col])
    if table == "visits":
        _durations(r, hit)
    return True


def _durations(v: dict, hit: set) -> None:
    """A visit's durations where one end moved and the other did not (a ticket from before the
    stretch, called in it): measured again between the corrected times."""
    def again(field, a, b):
        if v.get(a) is not None and v.get(b) is not None and v.get(field) is not None and (a in hit) != (b in hit):
            v[field] = max(0.0, v[b] - v[a])
    again("wait_s", "ready_at", "called_at")
    again("walkup_s", "called_at", "started_at")
    if v.get("how") == "served":
        again("service_s", "started_at", "ended_at")
    if v.get("how") == "transferred":
        again("handover_s", "started_at", "ended_at")
