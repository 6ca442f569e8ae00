"""The engine's read side: what the rest of the gateway may know of the engine's state, typed.

Every module outside gateway/engine reads the engine through these functions (the layering
test in tests/architecture holds it), under the runtime's lock: `runtime.read(view)` runs a
view, the view calls these. What they return are copies: frozen dataclasses, or a TypedDict of
a fresh dict where the caller serialises the dict as it is (the API's answers), so a caller
cannot change the engine through them. Each read copies what its question needs and no more: a
key press's path (the device plane folds events) reads none of it, and what the hall screen
renders at a commit reads counts, not tables.
"""
from __future__ import annotations

import hmac
from dataclasses import fields
from operator import itemgetter

from gateway.engine import appointments as ap
from gateway.engine import followup as fu
from gateway.engine import relay as rl
from gateway.engine import stats as st
from gateway.engine import supplementary as sup
from gateway.engine.clerk import case_ticket_id
from gateway.engine.guard import locked_for
from gateway.engine.line import PRIORITY_LANES, key
from gateway.engine.records import (
    AlertRecord,
    AppointmentRecord,
    ClockState,
    Content,
    DayStats,
    FollowupRecord,
    LevelMapConfirmation,
    Post,
    Prompt,
    QueueLine,
    Reason,
    RelayRecord,
    Standing,
    Supplementary,
    Ticket,
    TicketRecord,
    WaitingFor,
    Window,
)
from gateway.engine.tickets import find, public


def _record(cls, names: tuple[str, ...], values: tuple):
    """A frozen record filled in one step. Its generated __init__ sets each field through
    object.__setattr__, some 0.3 µs a field: a line of hundreds of tickets, read under the
    runtime's lock, would pay that many times over."""
    r = object.__new__(cls)
    r.__dict__.update(zip(names, values, strict=True))
    return r


# The fields taken as they are from the engine's dicts, then the ones made here: a window's login
# time (not in a snapshot from before it), a ticket's line (from its queue).
_WINDOW = (*(f.name for f in fields(Window) if f.name != "login_at"), "login_at")
_window_values = itemgetter(*_WINDOW[:-1])
_TICKET = (*(f.name for f in fields(Ticket) if f.name != "waiting_for"), "waiting_for")
_ticket_values = itemgetter(*_TICKET[:-1])
_WAITING_FOR = ("to", "key")


def _window(w: dict) -> Window:
    return _record(Window, _WINDOW, (*_window_values(w), w.get("login_at")))


def _ticket(t: dict) -> Ticket:
    q = t["queue"]
    waiting_for = _record(WaitingFor, _WAITING_FOR, (q["to"], q["key"])) if t["state"] == "waiting" else None
    return _record(Ticket, _TICKET, (*_ticket_values(t), waiting_for))


# -- windows and clerks --------------------------------------------------------------------------

def day(eng) -> str | None:
    """The service day the engine is in (None before its first command)."""
    return eng.day


def clock(eng) -> ClockState:
    """The hall's clock as logged: synchronized or not, set by whom, the last step."""
    c = eng.clock
    return ClockState(c["synced"], c["via"], c["cause"], c["offset"], c["since"], c["confirmed"], c["by"], c["at"],
                      c["boot"], c["ref"], c["steps"], dict(c["last_step"]) if c["last_step"] else None)


def window(eng, n: int) -> Window:
    return _window(eng.windows[n])


def windows(eng) -> tuple[Window, ...]:
    """Every window, in the hall file's order."""
    return tuple(_window(eng.windows[cfg.number]) for cfg in eng.hall.windows)


def statuses(eng) -> dict[int, str]:
    """Window -> its status: what a count of open windows needs, without copying the windows."""
    return {n: w["status"] for n, w in eng.windows.items()}


def post_of(eng, staff: str) -> Post | None:
    """Where this clerk is logged in now, or None."""
    n = eng.staff_at.get(staff)
    return None if n is None else Post(staff, n, eng.windows[n]["post"])


def login_locked_for(eng, window: int, at: float) -> int:
    """Whole seconds the window's login stays locked by wrong codes at `at` (0: not locked)."""
    return locked_for(eng, window, at)


def last_served(eng) -> dict[int, str]:
    """Window -> the ticket it finished last, of the tickets the engine still holds."""
    best: dict[int, tuple] = {}
    for t in eng.tickets.values():
        if t["outcome"] == "served" and t["window"] is not None:
            k = (t["finished_at"] or 0.0, t["order"])
            if k > best.get(t["window"], (float("-inf"),))[:2]:
                best[t["window"]] = (*k, t["id"])
    return {n: b[2] for n, b in best.items()}


# -- tickets and the line ---------------------------------------------------------------------------

def ticket(eng, tid: str | None) -> Ticket | None:
    """A ticket the engine holds (today's, and open ones kept overnight), by its id."""
    t = eng.tickets.get(tid or "")
    return None if t is None else _ticket(t)


def ticket_record(eng, ref: str) -> TicketRecord | None:
    """A ticket by id, or an open one by its printed number (the API's lookup)."""
    t = find(eng, ref)
    return None if t is None else public(t)


def case_ticket(eng, window: int) -> Ticket | None:
    """The ticket an attach_case at this window would land on (the engine's own choice), or None."""
    tid = case_ticket_id(eng, eng.windows[window])
    t = eng.tickets.get(tid) if tid else None
    return None if t is None else _ticket(t)


def transferred(eng) -> tuple[Ticket, ...]:
    """Waiting tickets transferred to a window or a clerk (outside their service's line)."""
    return tuple(_ticket(t) for t in eng.tickets.values()
                 if t["state"] == "waiting" and t["queue"]["to"] != "service")


def longest_waiting(eng, transferred: bool = True) -> dict[str, float]:
    """Service -> the earliest ready time of its waiting tickets: also of those transferred to a
    window or a clerk, or (transferred=False) of its own line only. Services none waits for: absent."""
    oldest: dict[str, float] = {}
    for t in eng.tickets.values():
        if t["state"] == "waiting" and (transferred or t["queue"]["to"] == "service"):
            code = t["service"]
            oldest[code] = min(oldest.get(code, t["ready_at"]), t["ready_at"])
    return oldest


def printing(eng) -> tuple[Ticket, ...]:
    """Tickets whose kiosk slip is printing (issued `printing`, neither printed nor voided yet)."""
    return tuple(_ticket(t) for t in eng.tickets.values() if t["state"] == "waiting" and t["printing"])


def waiting(eng) -> dict[str, int]:
    """Service -> tickets waiting (transferred ones counted with their service)."""
    return dict(eng.line.waiting)


def queue_line(eng, service: str) -> QueueLine:
    order = eng.line.call_order(None, None, (service,))
    return QueueLine(service, eng.line.waiting[service], tuple(_ticket(t) for t in order))


def standing(eng, tid: str) -> Standing:
    """Where a waiting ticket stands, by the rule the windows call by (line.call_order): the people
    ahead at the window that reaches it soonest (the windows open for it, else all that serve it)."""
    t = eng.tickets[tid]
    if t["state"] != "waiting":
        return Standing()
    line, best = eng.line, None
    seen = set()
    for number in _windows_for(eng, t):
        staff, services = eng.windows[number]["staff"], eng.win_cfg[number].services
        group = (services, number if line.to_window.get(number) else None,
                 staff if staff and line.to_staff.get(staff) else None)
        if group in seen:  # windows alike call alike: count once
            continue
        seen.add(group)
        before = []
        for x in line.call_order(number, staff, services, until=tid):
            if x["id"] == tid:
                break
            before.append(x)
        else:
            continue  # this window would never call it
        if best is None or len(before) < len(best):
            best = before
    if best is None:  # waiting for a clerk who is not logged in: their transfers in order
        q = t["queue"]
        heap = line.to_staff.get(q["key"], []) if q["to"] == "staff" else []
        best = [x for x in line._live(heap) if key(x) < key(t)]
    later = [x for x in best if key(x) > key(t)]
    return Standing(len(best), sum(1 for x in later if x["queue"]["to"] == "service" and x["lane"] in PRIORITY_LANES),
                    sum(1 for x in later if x["queue"]["to"] != "service"))


def ahead(eng, tid: str) -> int:
    """How many tickets will be called before this one: see standing()."""
    return standing(eng, tid).ahead


def _windows_for(eng, t: dict) -> list[int]:
    q = t["queue"]
    if q["to"] == "window":
        return [q["key"]]
    if q["to"] == "staff":
        n = eng.staff_at.get(q["key"])
        return [n] if n is not None else []
    able = [c.number for c in eng.hall.windows if t["service"] in c.services]
    open_ = [n for n in able if eng.windows[n]["status"] != "closed"]
    return open_ or able


# -- evaluation ---------------------------------------------------------------------------------------

def prompt(eng, pid: str | None) -> Prompt | None:
    p = eng.prompts.get(pid or "")
    return None if p is None else Prompt(p["prompt"], p["window"], p["ticket"], p["number"], p["staff"],
                                         p["service"], p["requested_at"], p["deadline"])


def supplementary(eng, code: str | None) -> Supplementary | None:
    e = eng.supplementary.get(code or "")
    return None if e is None else Supplementary(
        code, e["ticket"], e["number"], e["day"], e["service"], e["matter"], e["window"], e["staff"],
        e["finished_at"], e["until"], e["rated"], e.get("level"))


def rated_by_code(eng, tid: str) -> bool:
    """Was this ticket rated with its 补充评价 code (not at the window's evaluator)?"""
    return sup.rated_by_code(eng, eng.tickets.get(tid))


def holds_code(eng, tid: str, code: str | None) -> bool:
    """Is `code` this ticket's own 补充评价 code? (Compared in constant time: the code is the secret.)"""
    t = eng.tickets.get(tid)
    mine = t.get("sup_code") if t is not None else None
    return bool(mine and code) and hmac.compare_digest(mine.encode(), code.encode())


def content(eng) -> Content:
    c = eng.content
    return Content(c["version"], tuple(Reason(r["code"], r["text"]) for r in c["reasons"]), eng.content_source,
                   tuple(sorted(eng.content_codes)))


def level_map_confirmation(eng) -> LevelMapConfirmation | None:
    """The supervisor's latest confirmation of the 好差评 level map, if any."""
    c = eng.level_map_confirmed
    return None if c is None else LevelMapConfirmation(c["map"], c["platform"], c["by"], c.get("role"), c["at"])


def followups(eng, *, status: str | None = None, final: bool | None = None, overdue: bool | None = None,
              closed_since: float | None = None) -> list[FollowupRecord]:
    """The 差评 follow-ups in creation order, those that fit every filter given: status; final
    (settled) or not; overdue (past its contact or its rectify deadline) or not; closed since."""
    out = []
    for f in eng.followups:
        if ((status is None or f["status"] == status) and (final is None or (f["status"] in fu.FINAL) == final)
                and (overdue is None or bool(f["overdue"] or f["contact_overdue"]) == overdue)
                and (closed_since is None or (f.get("closed_at") or 0) >= closed_since)):
            out.append(fu.public(f))
    return out


def followup(eng, fid: str | None) -> FollowupRecord | None:
    f = eng.followup_by_id.get(fid or "")
    return None if f is None else fu.public(f)


# -- the day's figures and alerts ------------------------------------------------------------------------

def day_stats(eng) -> DayStats:
    s = eng.stats
    vol = s["volume"]
    per = s["service"].values()
    return DayStats(s["day"], vol["issued"], vol["served"], vol["no_show"], sum(a["called"] for a in per),
                    sum(a["wait_s"] for a in per), dict(st.day_levels(s)))


def mean_service_s(eng, service: str) -> float | None:
    """Today's mean service time of a service (None before its first finished service)."""
    a = eng.stats["service"].get(service)
    return a["service_s"] / a["served"] if a and a.get("served") else None


def stats_report(eng, now: float) -> dict:
    """Today's statistics with averages and rates (stats.report), idle windows' running idle time
    counted up to `now`: a fresh dict, as the API answers it."""
    return st.report(eng.stats, eng.live_idle(now))


def alerts(eng) -> list[AlertRecord]:
    """The active alerts, in the order they were raised."""
    return [dict(a) for a in eng.alerts.values()]


def alert(eng, key_: str) -> AlertRecord | None:
    a = eng.alerts.get(key_)
    return None if a is None else dict(a)


# -- appointments and relays ----------------------------------------------------------------------------

def appointment(eng, aid: str) -> AppointmentRecord | None:
    """An appointment by its id (day:code)."""
    a = eng.appointments.get(aid)
    return None if a is None else dict(a)


def appointment_today(eng, code: str) -> AppointmentRecord | None:
    """Today's appointment with this code (预约码)."""
    return appointment(eng, ap.key(eng.day, code))


def appointments(eng, on: str | None = None) -> list[AppointmentRecord]:
    """The appointments of a day (today if none given), by start time."""
    d = on or eng.day
    return [dict(a) for a in sorted(eng.appointments.values(), key=lambda a: (a["start"], a["code"]))
            if a["day"] == d]


def check_in_span(eng, a: AppointmentRecord) -> tuple[float, float]:
    """When an appointment's check-in opens and closes ([appointments] early and late minutes)."""
    return ap.opens(eng, a), ap.closes(eng, a)


def relays(eng, direction: str | None = None) -> list[RelayRecord]:
    """帮办代办 cases sent up ("out") or received here ("in"), newest first, with the status's name."""
    return rl.listing(eng, direction)
