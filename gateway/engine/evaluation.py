"""好差评 at the window: the clerk invites a rating, the citizen rates once (一次一评).

A prompt that runs out is recorded as "not rated", never as a default level. A 差评
(level 1-2) opens a follow-up item with contact and rectify deadlines in working days.
"""
from __future__ import annotations

import datetime as dt
import heapq

from gateway.engine import stats as st

BAD_LEVEL_MAX = 2


def request_evaluation(eng, cmd, at, events):
    w = eng.windows[cmd["window"]]
    if not w["staff"]:
        return f"nobody is logged in at window {w['number']}", None
    if w["prompt"]:
        return f"window {w['number']} is already waiting for rating {w['prompt']}", None
    if not w["last_served"] or w["last_served"] not in eng.tickets:
        return f"window {w['number']} has no finished service to rate", None
    t = eng.tickets[w["last_served"]]
    eng.prompt_counter += 1
    timeout = eng.hall.evaluation.prompt_timeout_seconds
    p = {"prompt": f"E{eng.prompt_counter}", "window": w["number"], "ticket": t["id"], "number": t["number"],
         "staff": t["staff"], "service": t["service"], "case_type": t["case_type"], "requested_at": at,
         "deadline": at + timeout}
    eng.prompts[p["prompt"]] = p
    heapq.heappush(eng.prompt_heap, (p["deadline"], p["prompt"]))
    w["prompt"], w["last_served"] = p["prompt"], None
    t["evaluation"] = "requested"
    eng.stats["evaluation"]["requested"] += 1
    events.append({"type": "evaluation_requested", "at": at, "prompt": p["prompt"], "window": w["number"],
                   "ticket": t["id"], "number": t["number"], "staff": p["staff"], "service": p["service"],
                   "timeout": timeout})
    return None, dict(p)


def rate(eng, cmd, at, events):
    pid = cmd["prompt"]
    p = eng.prompts.get(pid)
    if p is None:
        done = eng.prompt_done.get(pid)
        if done == "rated":
            return f"prompt {pid} was already rated (一次一评)", None
        if done == "timed_out":
            return f"prompt {pid} timed out and was recorded as not rated", None
        return f"no evaluation prompt {pid}", None
    if p["window"] != cmd["window"]:
        return f"prompt {pid} belongs to window {p['window']}, not {cmd['window']}", None
    reasons = list(cmd.get("reasons") or [])
    unknown = [r for r in reasons if r not in eng.bad_reasons]
    if unknown:
        return f"unknown 差评 reason code(s): {', '.join(unknown)}", None
    level = cmd["level"]
    rated_at = float(at if cmd.get("rated_at") is None else cmd["rated_at"])
    _close(eng, p, "rated")
    t = eng.tickets.get(p["ticket"])
    if t is not None:
        t["evaluation"], t["level"] = "rated", level
    st.rating(eng.stats, level, p["service"], p["window"], p["staff"])
    rec = {"type": "rating_recorded", "at": at, "prompt": pid, "window": p["window"], "ticket": p["ticket"],
           "number": p["number"], "staff": p["staff"], "service": p["service"], "case_type": p["case_type"],
           "level": level, "reasons": reasons, "rated_at": rated_at,
           "reasons_version": eng.hall.evaluation.reasons_version}
    events.append(rec)
    if level <= BAD_LEVEL_MAX:
        events.append(_follow_up(eng, rec, at))
    return None, {k: v for k, v in rec.items() if k not in ("type", "at")}


def _follow_up(eng, rec: dict, at: float) -> dict:
    ev = eng.hall.evaluation
    day = eng.cal.local(at).date()
    item = {"id": f"F{len(eng.followups) + 1}", "prompt": rec["prompt"], "window": rec["window"],
            "ticket": rec["ticket"], "staff": rec["staff"], "service": rec["service"], "level": rec["level"],
            "reasons": rec["reasons"], "created_at": at,
            "contact_by": eng.cal.add_working_days(day, ev.contact_working_days).isoformat(),
            "rectify_by": eng.cal.add_working_days(day, ev.rectify_working_days).isoformat(),
            "status": "open"}
    eng.followups.append(item)
    return {"type": "followup_created", "at": at, **item}


def _close(eng, p: dict, how: str) -> None:
    del eng.prompts[p["prompt"]]
    eng.prompt_done[p["prompt"]] = how
    w = eng.windows[p["window"]]
    if w["prompt"] == p["prompt"]:
        w["prompt"] = None


def time_out(eng, pid: str, at: float, events: list) -> None:
    p = eng.prompts[pid]
    _close(eng, p, "timed_out")
    t = eng.tickets.get(p["ticket"])
    if t is not None:
        t["evaluation"] = "not_rated"
    eng.stats["evaluation"]["timed_out"] += 1
    events.append({"type": "evaluation_timed_out", "at": at, "prompt": pid, "window": p["window"],
                   "ticket": p["ticket"], "staff": p["staff"], "service": p["service"]})


def working_day(eng, day: dt.date) -> bool:
    return eng.cal.is_working_day(day)
