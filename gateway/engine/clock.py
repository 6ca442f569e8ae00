"""The hall's clock as the log knows it: synchronized or not, set by hand, stepped.

A Pi has no real-time clock: after a power cut it boots on the time it saved at shutdown and
runs from there until NTP (or an RTC, or a supervisor) sets it right. The shell (gateway/clock)
watches the clock and logs each fact as one `clock` command; the engine only reads them:

  clock {synced, cause, via?, step?, offset?, boot?, ref?, by?}
    synced  what the Pi's clock is now: synchronized (NTP, a battery RTC) or not
    cause   start | sync | unsync | jump | supervisor | floor (what made this fact)
    step    seconds the hall's timeline moved here (new time minus old); 0: none
    offset  seconds the hall's clock adds to the Pi's from now on (a supervisor's setting)

An unsynchronized stretch starts at the first fact that says so, or at a new boot
while unsynchronized; its times are as the Pi believed them. A step in a stretch moves every time
stamped in it by `step`, here in the engine's state and, through the event `clock_changed`
{corrected: {since, step}}, in the reports and the province's records; the log keeps what was
stamped. What comes after a step follows the corrected clock: the service day is the corrected
one, and the tickets of the stretch stay in line with their numbers (a step does not end the
morning). Until the clock is confirmed (synchronized, or set by a supervisor) the hall issues
tickets whatever its hours say, since the hours are read off a clock nobody trusts.

Pure: no clock reads; times come from the commands.
"""
from __future__ import annotations

import heapq

CAUSES = ("start", "sync", "unsync", "jump", "supervisor", "floor")
STEP_MAX = 20 * 366 * 86400.0  # a step beyond 20 years is no clock's, but a typo's
MARKED = ("rating_recorded", "followup_created", "followup_changed", "followup_overdue")


def initial() -> dict:
    return {"synced": None, "via": None, "cause": None, "offset": 0.0, "since": None, "confirmed": True,
            "boot": None, "ref": None, "by": None, "at": None, "day_at": None, "steps": 0, "last_step": None,
            "era": None}


def snapshot(eng) -> dict:
    c = eng.clock
    return {"clock": {**c, "last_step": dict(c["last_step"]) if c["last_step"] else None}}


def restore(eng, snap: dict) -> None:
    eng.clock = {**initial(), **snap.get("clock", {})}


def confirmed(eng) -> bool:
    """The clock is believed (synchronized, set by a supervisor, or never said otherwise)."""
    return eng.clock["confirmed"]


def problem(cmd: dict) -> str | None:
    if cmd["cause"] not in CAUSES:
        return f"clock: cause must be one of {', '.join(CAUSES)}"
    for name in ("step", "offset"):
        v = cmd.get(name)
        if v is not None and abs(v) > STEP_MAX:
            return f"clock: '{name}' must be at most {STEP_MAX:.0f} seconds either way"
    return None


def moved(t: float, since: float | None, step: float) -> float:
    """A time stamped in a stretch [since, …) moved by a step of that stretch."""
    return t + step if since is not None and t >= since else t


def corrected(t: float | None, steps) -> float | None:
    """A logged time as the steps logged after it correct it ({since, step} in log order)."""
    if t is None:
        return None
    for s in steps:
        t = moved(t, s["since"], s["step"])
    return t


def apply(eng, cmd: dict, at: float, events: list) -> None:
    """Before time passes to `at`: the stretch's times moved by the step, the day re-dated."""
    c = eng.clock
    step = float(cmd.get("step") or 0.0)
    synced = cmd["synced"]
    boot = cmd.get("boot")
    new_boot = boot is not None and c["boot"] is not None and boot != c["boot"]
    fix = None
    old_since = c["since"]
    # What the unconfirmed era stamped (this boot's stretch, and those of boots before it that
    # never got a confirmed clock): its tickets are the day's waiting citizens, whatever the step.
    era = c["era"] if c["era"] is not None else old_since
    kept = _era(eng, era) if step else None
    if step and old_since is not None and not new_boot:
        _shift(eng, old_since, step)
        fix = {"since": old_since, "step": step}
    if step:
        _end_hour_alerts(eng, at, step, None if fix is None else old_since + step, events)
        _redate(eng, at, kept, events)
    if synced:
        since = None
    elif new_boot or old_since is None:
        since = at  # a stretch begins: what is stamped from here is as this boot's clock says
    else:
        since = old_since + step if fix else old_since
    if synced or cmd["cause"] == "supervisor":
        sure = True
    elif new_boot or old_since is None:
        sure = False
    else:
        sure = c["confirmed"]  # the same stretch goes on
    if synced:
        era = None
    elif c["era"] is None or c["confirmed"] and (new_boot or old_since is None):
        era = since  # an unconfirmed era begins with this stretch
    else:
        era = c["era"] + step if fix and c["era"] >= old_since else c["era"]
    c.update(synced=synced, via=cmd.get("via"), cause=cmd["cause"], offset=float(cmd.get("offset") or 0.0),
             since=since, era=era, confirmed=sure, boot=boot if boot is not None else c["boot"],
             ref=cmd.get("ref", c["ref"]), at=at)
    if cmd["cause"] == "supervisor":
        c["by"] = cmd.get("by")
    if step:
        c["steps"] += 1
        c["last_step"] = {"at": at, "step": step, "cause": cmd["cause"], "by": cmd.get("by")}
    events.insert(0, {"type": "clock_changed", "at": at, "synced": synced, "via": c["via"], "cause": c["cause"],
                      "step": step, "offset": c["offset"], "since": since, "confirmed": c["confirmed"],
                      "by": cmd.get("by"), "boot": c["boot"], "corrected": fix,
                      "rescheduled": _rescheduled(eng, fix)})


def result(eng, cmd, at, events):
    """The handler: everything happened before time passed (apply); the state is the answer."""
    return None, dict(eng.clock)


def day_begun(eng, at: float) -> None:
    """The engine began a service day at `at` (a stretch's day is re-dated by a step)."""
    eng.clock["day_at"] = at


def mark(eng, events: list) -> None:
    """Records stamped on a clock not yet confirmed wait for it before they leave the hall."""
    if eng.clock["confirmed"]:
        return
    for ev in events:
        if ev.get("type") in MARKED:
            ev["clock"] = "unconfirmed"


# -- the stretch's times, moved -------------------------------------------------------------------
def _mv(d: dict, keys: tuple[str, ...], since: float, step: float) -> bool:
    hit = False
    for k in keys:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool) and v >= since:
            d[k] = v + step
            hit = True
    return hit


def _shift(eng, since: float, step: float) -> None:
    for t in eng.tickets.values():
        _mv(t, ("issued_at", "ready_at", "called_at", "started_at", "finished_at"), since, step)
        for x in t["transfers"]:
            _mv(x, ("at",), since, step)
    for w in eng.windows.values():
        _mv(w, ("since", "login_at"), since, step)
    for table in (eng.prompts, eng.expired):
        for p in table.values():
            if _mv(p, ("requested_at",), since, step):
                p["deadline"] += step
            _mv(p, ("finished_at",), since, step)
    eng.prompt_heap = [(p["deadline"], pid) for pid, p in eng.prompts.items()]
    heapq.heapify(eng.prompt_heap)
    for a in eng.alerts.values():
        _mv(a, ("at", "until"), since, step)
    for g in eng.login_guard.values():
        _mv(g, ("until",), since, step)
    for e in eng.supplementary.values():
        if _mv(e, ("finished_at",), since, step):
            e["until"] += step
    for r in eng.relays.values():
        _mv(r, ("sent_at", "received_at", "answered_at"), since, step)
    for a in eng.appointments.values():
        _mv(a, ("booked_at", "checked_in_at"), since, step)
    _shift_followups(eng, since, step)
    eng.line.rebuild(eng.line.run)  # its heaps are keyed by the issue times just moved


def _shift_followups(eng, since: float, step: float) -> None:
    from gateway.engine import followup as fu

    ev = eng.hall.evaluation
    for f in eng.followups:
        if _mv(f, ("created_at",), since, step):
            day = eng.cal.local(f["created_at"]).date()  # its deadlines count from the corrected day
            f["contact_by"] = eng.cal.add_working_days(day, ev.contact_working_days).isoformat()
            f["rectify_by"] = eng.cal.add_working_days(day, ev.rectify_working_days).isoformat()
            f["moved"] = True
        _mv(f, ("closed_at",), since, step)
        for h in f["history"] + f["callbacks"]:
            _mv(h, ("at", "called_at"), since, step)
        if f["request"]:
            _mv(f["request"], ("at",), since, step)
    eng.followup_heap = []
    for f in eng.followups:
        fu._schedule(eng, f)


def _rescheduled(eng, fix) -> list[dict]:
    if fix is None:
        return []
    out = []
    for f in eng.followups:
        if f.pop("moved", False):
            out.append({"id": f["id"], "contact_by": f["contact_by"], "rectify_by": f["rectify_by"]})
    return out


def _end_hour_alerts(eng, at: float, step: float, since: float | None, events: list) -> None:
    """On a step: the queue's and the posts' alerts end (the next tick raises what still holds,
    on the corrected clock). One raised in the stretch ends now; one from before it ends at the
    moment of the step on the old clock (never before it began)."""
    from gateway.engine.rules import HOURS_BOUND, set_alert

    for key, a in list(eng.alerts.items()):
        if a.get("kind") in HOURS_BOUND:
            mine = since is not None and a["at"] >= since
            set_alert(eng, key, False, at if mine else max(a["at"], at - step), events)


def _era(eng, era: float | None) -> dict:
    """What a step keeps of the day, read before the step moves anything: the tickets, their
    services (numbering goes on after them), the prompts stamped in the era, and whether the day
    itself began in it (its figures are then the new day's)."""
    if era is None:
        return {"carry": set(), "numbered": set(), "prompts": set(), "keep_stats": False}
    carry = {tid for tid, t in eng.tickets.items() if t["issued_at"] >= era}
    return {"carry": carry, "numbered": {eng.tickets[tid]["service"] for tid in carry},
            "prompts": {pid for pid, p in eng.prompts.items() if p["requested_at"] >= era},
            "keep_stats": eng.clock["day_at"] is not None and eng.clock["day_at"] >= era}


def _redate(eng, at: float, kept: dict, events: list) -> None:
    """The service day after a step is the corrected clock's. What the unconfirmed era stamped is
    the new day's: its tickets stay in line (and at their windows) with their numbers, and
    numbering goes on after them, so no number is given twice. What came before the era ends
    with its day as any day ends."""
    day = eng.cal.service_day(at).isoformat()
    if eng.day is None or day == eng.day:
        return
    carry = kept["carry"]
    eng._new_day(at, events, carry=carry, numbered=kept["numbered"], keep_stats=kept["keep_stats"],
                 prompts=kept["prompts"])
    for tid in carry:
        t = eng.tickets.get(tid)
        if t is not None:
            t["day"] = eng.day
    for e in eng.supplementary.values():
        if e["ticket"] in carry:
            e["day"] = eng.day
    for p in eng.prompts.values():
        p["day"] = eng.day
