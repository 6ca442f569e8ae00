"""补充评价: a citizen who did not rate at the window may rate later with the code on the ticket.

The API mints the code (the engine draws no random numbers); a served ticket's code
is kept for hall.evaluation.supplementary_days with everything its rating record
needs, because the ticket itself leaves the engine at the next day's rollover.
Still 一次一评: one rating per service, at the window or by the code, never both.
"""
from __future__ import annotations

from gateway.engine import followup as fu
from gateway.engine import stats as st
from gateway.engine.content import split_reasons

DAY_S = 86400.0


def keep(eng, t: dict) -> None:
    """On finish: the served ticket's code opens its supplementary rating."""
    days = eng.hall.evaluation.supplementary_days
    code = t.get("sup_code")
    if not code or days <= 0:
        return
    eng.supplementary[code] = {"ticket": t["id"], "number": t["number"], "day": t["day"], "service": t["service"],
                               "matter": t["matter"], "project_no": t["project_no"], "window": t["window"],
                               "staff": t["staff"], "case_type": t["case_type"], "finished_at": t["finished_at"],
                               "until": t["finished_at"] + days * DAY_S, "rated": None}


def attached(eng, t: dict) -> None:
    """A case number (or matter) attached after the finish reaches the kept entry too."""
    e = eng.supplementary.get(t.get("sup_code") or "")
    if e is not None and e["ticket"] == t["id"]:
        e["matter"], e["project_no"] = t["matter"], t["project_no"]


def rated_at_window(eng, t: dict) -> None:
    e = eng.supplementary.get(t.get("sup_code") or "")
    if e is not None and e["ticket"] == t["id"]:
        e["rated"], e["level"] = "evaluator", t["level"]  # the level: the phone page says how it was rated


def rated_by_code(eng, t: dict | None) -> bool:
    e = eng.supplementary.get((t or {}).get("sup_code") or "")
    return e is not None and e["ticket"] == t["id"] and e["rated"] == "supplementary"


def prune(eng, at: float) -> None:
    """At the day's rollover: codes whose time is over are forgotten."""
    for code in [c for c, e in eng.supplementary.items() if e["until"] < at]:
        del eng.supplementary[code]


def rate_supplementary(eng, cmd, at, events):
    code, level = cmd["code"], cmd["level"]
    e = eng.supplementary.get(code)
    if e is None:
        return f"no supplementary rating code {code} (unknown, or its time is over)", None
    if e["rated"] == "evaluator":
        return f"ticket {e['number']} of {e['day']} was already rated at window {e['window']} (一次一评)", None
    if e["rated"] == "supplementary":
        return f"ticket {e['number']} of {e['day']} was already rated with this code (补充评价, 一次一评)", None
    if at > e["until"]:
        until = eng.cal.local(e["until"]).strftime("%Y-%m-%d %H:%M")
        return f"code {code} expired at {until}: 补充评价 is open for a limited time after the service", None
    t = eng.tickets.get(e["ticket"])
    if t is not None and t["evaluation"] == "requested":
        return f"ticket {e['number']} is being rated at window {e['window']} now: rate there", None
    known, unknown = split_reasons(eng, cmd.get("reasons") or [], None)
    e["rated"], e["level"] = "supplementary", level
    if t is not None:
        t["evaluation"], t["level"] = "rated", level
    ev = eng.stats["evaluation"]
    # Kept apart from the window evaluator's prompts and ratings; in the day's 满意度 only
    # when it judges a service of this day (satisfaction.py: a rating counts for its service's day).
    ev["supplementary"] = ev.get("supplementary", 0) + 1
    if level <= fu.BAD_LEVEL_MAX:
        ev["supplementary_bad"] = ev.get("supplementary_bad", 0) + 1
    st.rating_of_day(eng.stats, level, e["service"], e["window"], e["staff"], e["day"])
    rec = {"type": "rating_recorded", "at": at, "prompt": "S" + code, "window": e["window"], "ticket": e["ticket"],
           "number": e["number"], "staff": e["staff"], "service": e["service"], "case_type": e["case_type"],
           "level": level, "reasons": known, "rated_at": at, "reasons_version": eng.content["version"],
           "late": False, "matter": e["matter"], "project_no": e["project_no"], "day": e["day"],
           "assess_number": 2, "channel": "supplementary", "finished_at": e["finished_at"]}
    if unknown:
        rec["unknown_reasons"] = unknown
    events.append(rec)
    if level <= fu.BAD_LEVEL_MAX:
        events.append(fu.create(eng, rec, at))
    return None, {k: v for k, v in rec.items() if k not in ("type", "at")}
