"""Issuing and cancelling tickets (the kiosk's side of the engine).

A ticket taken at a kiosk that prints its slip is issued `printing`: it waits in its place in
the line (counted, and told how many are ahead) but no window can call it until the kiosk
says the slip came out whole (slip_printed), or it is voided because the slip failed. So a
clerk's call during the print takes the next ticket, and a failed slip's ticket was never
called: the citizen told "void, take another" is never called to a window for it."""
from __future__ import annotations

from gateway.engine import appointments as ap
from gateway.engine import clock
from gateway.engine import stats as st


def public(t: dict) -> dict:
    """A ticket as shown outside the engine (a copy, so callers cannot change it). Without its
    补充评价 code: that goes to the citizen on the printed ticket alone (the kiosk's answer),
    never to a page, a clerk or anyone who looks a ticket up by its guessable number."""
    out = {k: v for k, v in t.items() if k not in ("gen", "queue", "sup_code")}
    out["transfers"] = [dict(x) for x in t["transfers"]]
    out["waiting_for"] = dict(t["queue"]) if t["state"] == "waiting" else None
    return out


def code_in_use(code: str) -> str:
    """The refusal for a 补充评价 code already taken (the API mints another on exactly this)."""
    return f"supplementary code {code} is already in use"


def matter_problem(eng, service: str, matter: str | None) -> str | None:
    if matter is None or matter in eng.matters[service]:
        return None
    known = ", ".join(eng.matters[service]) or "none"
    return f"matter {matter!r} is not a matter (事项) of service {service} (its matters: {known})"


def issue_ticket(eng, cmd: dict, at: float, events: list):
    code = cmd["service"]
    if code not in eng.prefix:
        return f"unknown service {code!r}", None
    lane = cmd.get("lane") or "normal"
    # Hours read off a clock nobody has confirmed say nothing: booted on yesterday's saved time
    # the hall would turn every citizen away as "closed". Until it is confirmed, tickets are issued
    # into the day the clock says, and a step re-dates them (gateway/engine/clock.py).
    if not eng.hall.queue.issue_outside_hours and eng.cal.open_span(at) is None and clock.confirmed(eng):
        return "the hall is closed: tickets are issued only in opening hours", None
    if lane == "appointment":
        why = ap.check_in_problem(eng, cmd, at)
        if why:
            return why, None
    elif cmd.get("appointment_code") is not None:
        return "an appointment code goes with the appointment lane (预约签到) only", None
    matter, sup = cmd.get("matter"), cmd.get("sup_code")
    if lane == "appointment" and matter is None:
        matter = ap.booked(eng, cmd["appointment_code"])["matter"]
    why = matter_problem(eng, code, matter)
    if why:
        return why, None
    # The engine draws no random numbers: the API mints the code, the engine only keeps it unique.
    if sup is not None and (sup in eng.supplementary or sup in eng.live_sup_codes):
        return code_in_use(sup), None
    eng.seq[code] += 1
    eng.order += 1
    number = f"{eng.prefix[code]}{eng.seq[code]:03d}"
    t = {"id": f"{eng.day}-{number}", "number": number, "service": code, "lane": lane, "day": eng.day,
         "state": "waiting", "issued_at": at, "ready_at": at, "called_at": None, "started_at": None,
         "finished_at": None, "window": None, "staff": None, "outcome": None, "case_type": None,
         "recalls": 0, "transfers": [], "waited_s": 0.0, "order": eng.order, "gen": 0,
         "queue": {"to": "service", "key": code}, "evaluation": None, "level": None,
         "matter": matter, "project_no": None, "sup_code": sup, "printing": cmd.get("printing") is True}
    eng.tickets[t["id"]] = t
    if sup is not None:
        eng.live_sup_codes.add(sup)
    eng.by_number[number] = t["id"]
    eng.line.add(t)
    st.issued(eng.stats, code, lane)
    shown = public(t)
    events.append({"type": "ticket_issued", "at": at, "ticket": shown, "id": t["id"], "number": number,
                   "service": code, "lane": lane})
    if lane == "appointment":
        ap.checked_in(eng, cmd["appointment_code"], t, at, events)
    return None, {**shown, "sup_code": sup}


def find(eng, ref: str) -> dict | None:
    """A ticket by id, or an open ticket by its printed number."""
    t = eng.tickets.get(ref)
    if t is None and ref in eng.by_number:
        t = eng.tickets.get(eng.by_number[ref])
    return t


def cancel_ticket(eng, cmd: dict, at: float, events: list):
    t = find(eng, cmd["ticket"])
    if t is None:
        return f"no ticket {cmd['ticket']!r} today", None
    if t["state"] != "waiting":
        return f"ticket {t['number']} is {t['state']}, only a waiting ticket can be cancelled", None
    if t["printing"]:  # the kiosk settles it (printed or voided) within seconds
        return printing_refusal(t), None
    eng.line.left(t)
    t["state"], t["outcome"], t["finished_at"] = "done", "cancelled", at
    eng.by_number.pop(t["number"], None)
    st.count(eng.stats, "cancelled")
    events.append({"type": "ticket_cancelled", "at": at, "ticket": t["id"], "number": t["number"],
                   "window": None, "service": t["service"]})
    return None, public(t)


def printing_refusal(t: dict) -> str:
    return f"ticket {t['number']} is still printing at the kiosk: it can be called once its slip is out"


def slip_printed(eng, cmd: dict, at: float, events: list):
    """The kiosk's slip came out whole: the ticket, in its place since it was issued, may be called."""
    t = find(eng, cmd["ticket"])
    if t is None:
        return f"no ticket {cmd['ticket']!r} today", None
    if t["state"] != "waiting" or not t["printing"]:
        return f"ticket {t['number']} is not printing (it is {t['state']})", None
    t["printing"] = False
    events.append({"type": "ticket_printed", "at": at, "ticket": t["id"], "number": t["number"],
                   "service": t["service"], "lane": t["lane"]})
    return None, public(t)


def void_ticket(eng, cmd: dict, at: float, events: list):
    """The kiosk takes back a ticket its printer failed to print (no phantom tickets): one still
    printing, which no window can call; or (as a log from before printing tickets has it) one
    waiting and never called, so nobody has been told to come to a window for it."""
    t = find(eng, cmd["ticket"])
    if t is None:
        return f"no ticket {cmd['ticket']!r} today", None
    if t["state"] != "waiting" or t["transfers"] or t["called_at"] is not None:
        return f"ticket {t['number']} has been called ({t['state']}): only a waiting ticket never called " \
               "can be voided", None
    eng.line.left(t)
    t["state"], t["outcome"], t["finished_at"], t["printing"] = "done", "voided", at, False
    t["void_reason"] = cmd["reason"]
    eng.by_number.pop(t["number"], None)
    st.count(eng.stats, "voided")
    events.append({"type": "ticket_voided", "at": at, "ticket": t["id"], "number": t["number"],
                   "service": t["service"], "lane": t["lane"], "reason": cmd["reason"]})
    return None, public(t)
