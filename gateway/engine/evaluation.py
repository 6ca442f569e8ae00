"""好差评 at the window: the clerk invites a rating, the citizen rates once (一次一评).

A prompt that runs out is recorded as "not rated", never as a default level. A 差评
(level 1-2) opens a follow-up item with contact and rectify deadlines in working days.

An evaluator whose link was down keeps the citizen's rating in flash and delivers it
after reconnecting, possibly after the prompt ran out here. It is still that
citizen's rating of that service: it is taken (once, the same service day) if it was
made within the prompt's time, and replaces the "not rated". The device darkens
its keys when the prompt's time is up (counting from when the prompt reached it), so
nothing is rated later than that. A device clock off by minutes must not cost a
citizen their rating, so the device's rated_at never refuses one; but it is believed
only where it can be true (rating_time): within the prompt's life, not after it
reached the gateway, and near the gateway's clock. Otherwise (an evaluator whose RTC
still counts from 2000-01-01, one on another clock) the rating takes the gateway's
receipt time (the command's `at`), and the record says so (time_from, with the
device's stamp kept beside it). A clerk may withdraw a prompt (the citizen left): it
ends as "not rated" and nothing can rate it later.
"""
from __future__ import annotations

import datetime as dt
import heapq

from gateway.engine import followup as fu
from gateway.engine import stats as st
from gateway.engine import supplementary as sup
from gateway.engine.content import split_reasons
from gateway.engine.followup import BAD_LEVEL_MAX

CLOCK_VALID = 1577836800  # 2020-01-01: a device rated_at before it means its clock was unset
# How far a device's stamp may lie from the gateway's clock when it is received on time.
DEVICE_CLOCK_TOLERANCE_S = 120
ROUNDING_S = 1  # a device stamps whole seconds (floored): its stamp may lead `at` by less than this


def rating_time(p: dict, stamp, at: float, late: bool) -> tuple[float, dict]:
    """When the rating was made: the device's stamp where it can be true, else `at` (the
    gateway's receipt). Also the record's fields that say which, and why not the device's."""
    if stamp is None:
        return at, {"time_from": "gateway", "time_check": "no_stamp"}
    stamp = float(stamp)
    if stamp < CLOCK_VALID:
        why = "clock_unset"
    elif stamp < p["requested_at"]:
        why = "before_prompt"
    elif stamp > p["deadline"]:
        why = "after_prompt"
    elif stamp > at + ROUNDING_S:
        why = "after_receipt"  # the device's clock runs ahead of the gateway's
    elif not late and at - stamp > DEVICE_CLOCK_TOLERANCE_S:
        why = "far_from_gateway"  # received on time, so made just before: the clocks differ
    else:
        return stamp, {"time_from": "device", "device_rated_at": stamp}
    return at, {"time_from": "gateway", "device_rated_at": stamp, "time_check": why}


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
         "deadline": at + timeout, "day": t["day"], "finished_at": t["finished_at"]}
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
    late = False
    if p is None:
        done = eng.prompt_done.get(pid)
        if done == "rated":
            return f"prompt {pid} was already rated (一次一评)", None
        if done == "cancelled":
            return f"prompt {pid} was withdrawn by the clerk and recorded as not rated", None
        if done == "timed_out":
            p = eng.expired.get(pid)
            if p is None or p["window"] != cmd["window"]:
                return f"prompt {pid} timed out and was recorded as not rated", None
            late = True
        else:
            return f"no evaluation prompt {pid}", None
    if p["window"] != cmd["window"]:
        return f"prompt {pid} belongs to window {p['window']}, not {cmd['window']}", None
    t = eng.tickets.get(p["ticket"])
    if sup.rated_by_code(eng, t):
        return f"ticket {p['number']} was already rated with its code (补充评价, 一次一评)", None
    rv = cmd.get("rv")
    reasons, unknown = split_reasons(eng, list(cmd.get("reasons") or []), rv)
    level = cmd["level"]
    rated_at, when = rating_time(p, cmd.get("rated_at"), at, late)
    if late:
        del eng.expired[pid]
        eng.prompt_done[pid] = "rated"
        eng.stats["evaluation"]["timed_out"] -= 1
    else:
        _close(eng, p, "rated")
    if t is not None:
        t["evaluation"], t["level"] = "rated", level
        sup.rated_at_window(eng, t)
    got = t or {}  # the ticket is here the same service day; the prompt keeps the rest
    st.rating(eng.stats, level, p["service"], p["window"], p["staff"], got.get("day", p.get("day", eng.day)))
    rec = {"type": "rating_recorded", "at": at, "prompt": pid, "window": p["window"], "ticket": p["ticket"],
           "number": p["number"], "staff": p["staff"], "service": p["service"], "case_type": p["case_type"],
           "level": level, "reasons": reasons, "rated_at": rated_at, **when,
           "reasons_version": rv or eng.content["version"], "late": late,
           "matter": got.get("matter"), "project_no": got.get("project_no"),
           "day": got.get("day", p.get("day", eng.day)), "assess_number": 1, "channel": "evaluator",
           "finished_at": got.get("finished_at", p.get("finished_at"))}
    if unknown:
        rec["unknown_reasons"] = unknown
    events.append(rec)
    if level <= BAD_LEVEL_MAX:
        events.append(fu.create(eng, rec, at))
    return None, {k: v for k, v in rec.items() if k not in ("type", "at")}


def cancel_evaluation(eng, cmd, at, events):
    """The clerk withdraws the prompt (the citizen left without rating)."""
    w = eng.windows[cmd["window"]]
    pid = w["prompt"]
    if not pid:
        return f"window {w['number']} is not waiting for a rating", None
    p = eng.prompts[pid]
    _close(eng, p, "cancelled")
    t = eng.tickets.get(p["ticket"])
    if t is not None:
        t["evaluation"] = "not_rated"
    ev_stats = eng.stats["evaluation"]
    ev_stats["cancelled"] = ev_stats.get("cancelled", 0) + 1  # .get: a snapshot from before it existed
    ev = {"type": "evaluation_cancelled", "at": at, "prompt": pid, "window": p["window"], "ticket": p["ticket"],
          "staff": p["staff"], "service": p["service"]}
    events.append(ev)
    return None, {k: v for k, v in ev.items() if k not in ("type", "at")}


def _close(eng, p: dict, how: str) -> None:
    del eng.prompts[p["prompt"]]
    eng.prompt_done[p["prompt"]] = how
    w = eng.windows[p["window"]]
    if w["prompt"] == p["prompt"]:
        w["prompt"] = None


def time_out(eng, pid: str, at: float, events: list) -> None:
    p = eng.prompts[pid]
    _close(eng, p, "timed_out")
    eng.expired[pid] = p  # an offline evaluator may still deliver the rating made in time
    t = eng.tickets.get(p["ticket"])
    if t is not None:
        t["evaluation"] = "not_rated"
    eng.stats["evaluation"]["timed_out"] += 1
    events.append({"type": "evaluation_timed_out", "at": at, "prompt": pid, "window": p["window"],
                   "ticket": p["ticket"], "staff": p["staff"], "service": p["service"]})


def working_day(eng, day: dt.date) -> bool:
    return eng.cal.is_working_day(day)
