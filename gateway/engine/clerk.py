"""The clerk's actions at a window, the same set as the call pad's keys.

Each handler checks the window's state first and refuses with a reason; only then
does it change anything. A window holds at most one ticket and a ticket is at most
at one window, because a ticket reaches a window only from the waiting line.
"""
from __future__ import annotations

from gateway.engine import guard
from gateway.engine import stats as st
from gateway.engine import supplementary as sup
from gateway.engine.rules import case_limit
from gateway.engine.tickets import matter_problem, printing_refusal, public


def _logged_in(eng, n: int):
    w = eng.windows[n]
    return w, (None if w["staff"] else f"nobody is logged in at window {n}")


def _holding(eng, cmd, states: tuple[str, ...], doing: str):
    w, why = _logged_in(eng, cmd["window"])
    if why:
        return w, None, why
    if w["status"] not in states:
        held = f" (ticket {w['ticket_number']})" if w["ticket"] else ""
        return w, None, f"cannot {doing}: window {w['number']} is {w['status']}{held}"
    return w, eng.tickets[w["ticket"]], None


def _ticket_event(kind: str, t: dict, w: dict, at: float, **extra) -> dict:
    return {"type": kind, "at": at, "ticket": t["id"], "number": t["number"], "window": w["number"],
            "staff": w["staff"], "service": t["service"], "lane": t["lane"], **extra}


def login(eng, cmd, at, events):
    # The code was checked (and a wrong one counted) by guard.attempt, run first.
    w = eng.windows[cmd["window"]]
    member = guard.member(eng, cmd)
    if w["staff"] is not None:
        return f"window {w['number']} already has {w['staff']} logged in: log out first", None
    if member.id in eng.staff_at:
        return f"{member.id} is already logged in at window {eng.staff_at[member.id]}", None
    cfg = eng.win_cfg[w["number"]]
    post = "A" if cfg.post_a == member.id else "B" if cfg.post_b == member.id else None
    w.update(staff=member.id, post=post, login_at=at, paused_reason=None, until=None)
    eng.set_status(w, "idle", at)
    eng.staff_at[member.id] = w["number"]
    guard.logged_in(eng, w["number"])
    events.append(eng.window_event(w, at))
    # Neither post: allowed (cover in a pinch) but noted, for attendance.
    return None, {"window": w["number"], "staff": member.id, "name": member.name, "post": post}


def logout(eng, cmd, at, events):
    w, why = _logged_in(eng, cmd["window"])
    if why:
        return why, None
    if w["ticket"]:
        return (f"window {w['number']} holds ticket {w['ticket_number']}: finish, mark no-show "
                "or transfer it first"), None
    staff = w["staff"]
    eng.set_status(w, "closed", at)
    del eng.staff_at[staff]
    w.update(staff=None, post=None, paused_reason=None, until=None, login_at=None)
    events.append(eng.window_event(w, at))
    return None, {"window": w["number"], "staff": staff}


def _call(eng, w, t, at, events):
    wait = max(0.0, at - t["ready_at"])
    t.update(state="called", called_at=at, started_at=None, window=w["number"], staff=w["staff"], recalls=0)
    t["waited_s"] += wait
    st.add(eng.stats, "called", 1, t["service"], w["number"], w["staff"])
    st.add(eng.stats, "wait_s", wait, t["service"], w["number"], w["staff"])
    st.count(eng.stats, "called")
    eng.set_status(w, "calling", at)
    w.update(ticket=t["id"], ticket_number=t["number"], recalls=0, last_served=None)
    events.append(_ticket_event("ticket_called", t, w, at, recall=0))
    events.append(eng.window_event(w, at))
    return None, public(t)


def _ready(eng, cmd, doing):
    w, why = _logged_in(eng, cmd["window"])
    if why:
        return w, why
    if w["status"] != "idle":
        extra = f" ({w['paused_reason']})" if w["status"] == "paused" else f" with ticket {w['ticket_number']}"
        return w, f"cannot {doing}: window {w['number']} is {w['status']}{extra}"
    return w, None


def call_next(eng, cmd, at, events):
    w, why = _ready(eng, cmd, "call next")
    if why:
        return why, None
    services = eng.win_cfg[w["number"]].services
    t = eng.line.pick(w["number"], w["staff"], services)
    if t is None:
        # Tickets still printing at the kiosk wait in their place but cannot be called yet.
        printing = eng.line.printing(w["number"], w["staff"], services)
        if printing is not None:
            return f"no ticket is waiting for window {w['number']} yet: {printing['number']} is still printing " \
                   "at the kiosk", None
        return f"no ticket is waiting for window {w['number']}", None
    return _call(eng, w, t, at, events)


def call_ticket(eng, cmd, at, events):
    w, why = _ready(eng, cmd, "call a ticket")
    if why:
        return why, None
    tid = eng.by_number.get(cmd["number"], cmd["number"])
    t = eng.tickets.get(tid)
    if t is None:
        return f"no ticket {cmd['number']} today", None
    if t["state"] != "waiting":
        return f"ticket {t['number']} is not waiting (it is {t['state']})", None
    q = t["queue"]
    allowed = (t["service"] in eng.win_cfg[w["number"]].services and q["to"] == "service") or \
        (q["to"] == "window" and q["key"] == w["number"]) or (q["to"] == "staff" and q["key"] == w["staff"])
    if not allowed:
        return f"ticket {t['number']} is not for window {w['number']}", None
    if t["printing"]:
        return printing_refusal(t), None
    eng.line.left(t)
    return _call(eng, w, t, at, events)


def recall(eng, cmd, at, events):
    w, t, why = _holding(eng, cmd, ("calling",), "recall")
    if why:
        return why, None
    if t["recalls"] >= eng.hall.queue.recall_limit:
        # Called, then recalled as often as the hall allows, and still nobody came:
        # one more press marks the no-show instead of calling again.
        return _no_show(eng, w, t, at, events, "recall_limit")
    t["recalls"] += 1
    w["recalls"] = t["recalls"]
    events.append(_ticket_event("ticket_called", t, w, at, recall=t["recalls"]))
    return None, public(t)


def start(eng, cmd, at, events):
    w, t, why = _holding(eng, cmd, ("calling",), "start")
    if why:
        return why, None
    walkup = max(0.0, at - t["called_at"])
    t.update(state="serving", started_at=at)
    st.add(eng.stats, "started", 1, t["service"], w["number"], w["staff"])
    st.add(eng.stats, "walkup_s", walkup, t["service"], w["number"], w["staff"])
    eng.set_status(w, "serving", at)
    events.append(_ticket_event("ticket_started", t, w, at, case_type=None))
    events.append(eng.window_event(w, at))
    return None, public(t)


def _release(eng, w, at, events):
    w.update(ticket=None, ticket_number=None, recalls=0)
    eng.set_status(w, "idle", at)
    events.append(eng.window_event(w, at))


def finish(eng, cmd, at, events):
    w, t, why = _holding(eng, cmd, ("serving",), "finish")
    if why:
        return why, None
    case = cmd.get("case_type") or "immediate"
    took = max(0.0, at - t["started_at"])
    t.update(state="done", outcome="served", finished_at=at, case_type=case)
    eng.by_number.pop(t["number"], None)
    st.add(eng.stats, "served", 1, t["service"], w["number"], w["staff"])
    st.add(eng.stats, "service_s", took, t["service"], w["number"], w["staff"])
    st.count(eng.stats, "served")
    w["cases"] += 1
    events.append(_ticket_event("ticket_finished", t, w, at, case_type=case))
    _release(eng, w, at, events)
    w["last_served"] = t["id"]  # the window may now invite a rating of this service
    sup.keep(eng, t)
    case_limit(eng, w, at, events)
    return None, public(t)


def _no_show(eng, w, t, at, events, reason):
    t.update(state="done", outcome="no_show", finished_at=at)
    eng.by_number.pop(t["number"], None)
    st.add(eng.stats, "no_show", 1, t["service"], w["number"], w["staff"])
    st.count(eng.stats, "no_show")
    events.append(_ticket_event("ticket_no_show", t, w, at, reason=reason, recalls=t["recalls"]))
    _release(eng, w, at, events)
    return None, public(t)


def no_show(eng, cmd, at, events):
    w, t, why = _holding(eng, cmd, ("calling",), "mark a no-show")
    if why:
        return why, None
    return _no_show(eng, w, t, at, events, "clerk")


def transfer(eng, cmd, at, events):
    w, t, why = _holding(eng, cmd, ("calling", "serving"), "transfer")
    if why:
        return why, None
    if cmd.get("to_service") is not None:
        if cmd["to_service"] not in eng.prefix:
            return f"unknown service {cmd['to_service']!r}", None
        queue = {"to": "service", "key": cmd["to_service"]}
    elif cmd.get("to_window") is not None:
        if cmd["to_window"] not in eng.win_cfg or cmd["to_window"] == w["number"]:
            return f"cannot transfer to window {cmd['to_window']}", None
        queue = {"to": "window", "key": cmd["to_window"]}
    else:
        if cmd["to_staff"] not in eng.staff_ids or cmd["to_staff"] == w["staff"]:
            return f"cannot transfer to staff member {cmd['to_staff']!r}", None
        queue = {"to": "staff", "key": cmd["to_staff"]}
    if t["state"] == "serving":
        st.add(eng.stats, "handover_s", max(0.0, at - t["started_at"]), t["service"], w["number"], w["staff"])
    st.add(eng.stats, "transferred", 1, t["service"], w["number"], w["staff"])
    st.count(eng.stats, "transferred")
    t["transfers"].append({"at": at, "window": w["number"], "staff": w["staff"], "service": t["service"],
                           "to": queue["to"], "key": queue["key"]})
    if queue["to"] == "service":
        t["service"] = queue["key"]
        if t["matter"] not in eng.matters[t["service"]]:
            t["matter"] = None  # a 事项 belongs to its service: the new one's clerk names theirs
    # The ticket keeps its number and issue time, so it is not sent to the back of the line.
    t.update(state="waiting", outcome="transferred", ready_at=at, window=None, staff=None,
             called_at=None, started_at=None, recalls=0, queue=queue)
    eng.line.add(t)
    events.append(_ticket_event("ticket_transferred", t, w, at, to=queue["to"], key=queue["key"]))
    _release(eng, w, at, events)
    return None, public(t)


def pause(eng, cmd, at, events):
    w, why = _ready(eng, cmd, "pause")
    if why:
        return why, None
    if cmd["reason"] not in eng.hall.queue.pause_reasons:
        return f"pause reason must be one of: {', '.join(eng.hall.queue.pause_reasons)}", None
    w.update(paused_reason=cmd["reason"], until=cmd.get("until"))
    eng.set_status(w, "paused", at)
    events.append(eng.window_event(w, at))
    return None, {"window": w["number"], "reason": w["paused_reason"], "until": w["until"]}


def resume(eng, cmd, at, events):
    w, why = _logged_in(eng, cmd["window"])
    if why:
        return why, None
    if w["status"] != "paused":
        return f"window {w['number']} is not paused", None
    w.update(paused_reason=None, until=None)
    eng.set_status(w, "idle", at)
    events.append(eng.window_event(w, at))
    return None, {"window": w["number"]}


def case_ticket_id(eng, w: dict) -> str | None:
    """The ticket a case number attaches to at this window: the one it holds, else the one it
    finished last, else the one its open evaluation prompt is about (also the console's read)."""
    if w["ticket"]:
        return w["ticket"]
    if w["last_served"] in eng.tickets:
        return w["last_served"]
    if w["prompt"] in eng.prompts:
        return eng.prompts[w["prompt"]]["ticket"]
    return None


def attach_case(eng, cmd, at, events):
    """The clerk attaches the 办件编号 (and the 事项) to the ticket of this window's service,
    so that its rating record names the case. Last one wins until the rating is in."""
    w, why = _logged_in(eng, cmd["window"])
    if why:
        return why, None
    tid = case_ticket_id(eng, w)
    if tid is None:
        return f"window {w['number']} holds no ticket and has no finished service awaiting a rating", None
    t = eng.tickets.get(tid)
    if t is None:
        return f"window {w['number']} has no ticket to attach a case to", None
    if t["evaluation"] == "rated":
        return f"ticket {t['number']} is rated already: its record is final, no case can be attached", None
    matter = cmd.get("matter")
    why = matter_problem(eng, t["service"], matter)
    if why:
        return why, None
    t["project_no"] = cmd["project_no"]
    if matter is not None:
        t["matter"] = matter
    sup.attached(eng, t)
    ev = {"type": "case_attached", "at": at, "ticket": t["id"], "number": t["number"], "window": w["number"],
          "staff": t["staff"] or w["staff"], "service": t["service"], "project_no": t["project_no"],
          "matter": t["matter"]}
    events.append(ev)
    return None, {k: v for k, v in ev.items() if k not in ("type", "at")}
