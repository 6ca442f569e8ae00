"""Appointments (预约): booked at the hall or fetched from the province, checked in for a ticket
in the priority lane, or a no-show once their check-in time has passed.

An appointment is known by its service day and its code (the 6-digit 预约码 the citizen holds).
Check-in opens `early_minutes` before the slot and closes `late_minutes` after it ([appointments]);
each appointment checks in once. A slot lies within the hall's opening hours, and on a weekend day
only where [hours] appointment_weekends allows it. Pure, like the rest of the engine: the shell
mints the codes, and time passes only through commands.
"""
from __future__ import annotations

import heapq

STATE_CN = {"booked": "已预约", "checked_in": "已签到", "cancelled": "已取消", "no_show": "未到"}
SOURCES = ("hall", "province")
CODE_LEN = (4, 16)
SLOT_MAX_S = 12 * 3600


def key(day: str, code: str) -> str:
    return f"{day}:{code}"


def public(a: dict) -> dict:
    return dict(a)


def _hhmm(eng, at: float) -> str:
    return eng.cal.local(at).strftime("%H:%M")


def book(eng, cmd: dict, at: float, events: list):
    """A new appointment, or a change to one not yet checked in (same code, same source)."""
    code, service = cmd["code"], cmd["service"]
    start, end = float(cmd["start"]), float(cmd["end"])
    source = cmd.get("source") or "hall"
    if source not in SOURCES:
        return f"appointment source must be one of {', '.join(SOURCES)}", None
    if not (code.isalnum() and CODE_LEN[0] <= len(code) <= CODE_LEN[1]):
        return f"appointment code must be {CODE_LEN[0]} to {CODE_LEN[1]} letters or digits", None
    if service not in eng.prefix:
        return f"unknown service {service!r}", None
    if cmd.get("matter") is not None and cmd["matter"] not in eng.matters[service]:
        return f"matter {cmd['matter']!r} is not a matter (事项) of service {service}", None
    if not start < end <= start + SLOT_MAX_S:
        return "an appointment slot must end after it starts, within 12 hours", None
    if end + eng.hall.appointments.late_minutes * 60 <= at:
        return f"the slot {_hhmm(eng, start)}-{_hhmm(eng, end)} has passed", None
    span = eng.cal.open_span(start)
    if span is None or end > span[1]:
        return f"the slot {_hhmm(eng, start)}-{_hhmm(eng, end)} is outside the hall's opening hours", None
    day = eng.cal.service_day(start)
    if not eng.cal.is_working_day(day) and not eng.hall.hours.appointment_weekends:
        return f"the hall takes no appointments on {day.isoformat()}, not a working day " \
               "([hours] appointment_weekends is false)", None
    k = key(day.isoformat(), code)
    old = eng.appointments.get(k)
    if old is not None:
        if old["source"] != source or old.get("ref") != cmd.get("ref"):
            return f"appointment code {code} is already in use on {day.isoformat()}", None
        if old["state"] != "booked":
            return f"appointment {code} is {old['state']} and can no longer change", None
    a = {"id": k, "code": code, "day": day.isoformat(), "start": start, "end": end, "service": service,
         "matter": cmd.get("matter"), "source": source, "ref": cmd.get("ref"), "name": cmd.get("name"),
         "person": cmd.get("person"), "state": "booked", "ticket": None, "number": None,
         "booked_at": old["booked_at"] if old else at, "checked_in_at": None}
    eng.appointments[k] = a
    heapq.heappush(eng.appointment_heap, (closes(eng, a), k))
    events.append({"type": "appointment_changed" if old else "appointment_booked", "at": at,
                   "appointment": public(a)})
    return None, public(a)


def cancel(eng, cmd: dict, at: float, events: list):
    a = eng.appointments.get(cmd["appointment"])
    if a is None:
        return f"no appointment {cmd['appointment']!r}", None
    if a["state"] != "booked":
        return f"appointment {a['code']} is {a['state']}: only a booked one can be cancelled", None
    a["state"] = "cancelled"
    events.append({"type": "appointment_cancelled", "at": at, "appointment": public(a)})
    return None, public(a)


def opens(eng, a: dict) -> float:
    return a["start"] - eng.hall.appointments.early_minutes * 60


def closes(eng, a: dict) -> float:
    return a["end"] + eng.hall.appointments.late_minutes * 60


def check_in_problem(eng, cmd: dict, at: float) -> str | None:
    """Why an appointment ticket cannot be issued now (checked before anything changes)."""
    code = cmd.get("appointment_code")
    if not isinstance(code, str) or not code:
        return "an appointment ticket needs its appointment code (预约码)"
    a = eng.appointments.get(key(eng.day, code))
    if a is None:
        return f"no appointment with code {code} today"
    if a["state"] == "checked_in":
        return f"appointment {code} is already checked in (ticket {a['number']})"
    if a["state"] == "cancelled":
        return f"appointment {code} was cancelled"
    if a["state"] == "no_show" or at > closes(eng, a):
        return f"appointment {code} is past its check-in time (until {_hhmm(eng, closes(eng, a))}): " \
               "take a normal ticket"
    if at < opens(eng, a):
        return f"appointment {code} opens for check-in at {_hhmm(eng, opens(eng, a))}"
    if cmd["service"] != a["service"]:
        return f"appointment {code} is for service {a['service']}, not {cmd['service']}"
    if cmd.get("matter") is not None and a["matter"] is not None and cmd["matter"] != a["matter"]:
        return f"appointment {code} is for matter {a['matter']}, not {cmd['matter']}"
    return None


def booked(eng, code: str) -> dict:
    """Today's appointment with this code (one check_in_problem found)."""
    return eng.appointments[key(eng.day, code)]


def checked_in(eng, code: str, t: dict, at: float, events: list) -> None:
    a = booked(eng, code)
    a["state"], a["ticket"], a["number"], a["checked_in_at"] = "checked_in", t["id"], t["number"], at
    events.append({"type": "appointment_checked_in", "at": at, "appointment": public(a), "ticket": t["id"],
                   "number": t["number"]})


def pass_time(eng, at: float, events: list) -> None:
    """Appointments whose check-in time ran out unchecked are no-shows."""
    heap = eng.appointment_heap
    while heap and heap[0][0] < at:
        due, k = heapq.heappop(heap)
        a = eng.appointments.get(k)
        if a is not None and a["state"] == "booked" and closes(eng, a) == due:
            a["state"] = "no_show"
            events.append({"type": "appointment_no_show", "at": at, "appointment": public(a)})


def new_day(eng, day: str) -> None:
    """Appointments of days gone leave (their ends are in the log)."""
    for k in [k for k, a in eng.appointments.items() if a["day"] < day]:
        del eng.appointments[k]
    eng.appointment_heap = [(due, k) for due, k in eng.appointment_heap if k in eng.appointments]
    heapq.heapify(eng.appointment_heap)


def snapshot(eng) -> dict:
    return {"appointments": [dict(a) for a in eng.appointments.values()]}


def restore(eng, snap: dict) -> None:
    eng.appointments = {a["id"]: dict(a) for a in snap.get("appointments", [])}
    eng.appointment_heap = [(closes(eng, a), k) for k, a in eng.appointments.items() if a["state"] == "booked"]
    heapq.heapify(eng.appointment_heap)
