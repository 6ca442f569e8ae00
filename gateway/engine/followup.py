"""The 差评 follow-up loop: a state machine whose every transition is a command.

A 差评 opens an item with contact and rectify deadlines in working days. Each change
of state is a `followup` command in the log, so it is audited by the hash chain
like any other. Asking for an item to be judged 无效差评 or 无法整改 needs a
supervisor's approval, and not the requester's own (four eyes).

Overdue is time passing, like a prompt running out: a heap of due times is looked at
on every command, so no command scans all items.
"""
from __future__ import annotations

import datetime as dt
import heapq

from gateway.engine.rules import set_alert

BAD_LEVEL_MAX = 2  # 不满意 and 非常不满意 are 差评
STATUS_CN = {"pending": "待整改", "rectifying": "整改中", "rectified": "整改完成",
             "invalid_requested": "无效差评(待审核)", "invalid": "无效差评",
             "unfixable_requested": "无法整改(待审核)", "unfixable": "无法整改"}
STATUSES = tuple(STATUS_CN)
FINAL = frozenset({"rectified", "invalid", "unfixable"})
OPEN_STATUSES = tuple(s for s in STATUSES if s not in FINAL)
OVERDUE_CN = {"contact": "联系超期", "rectify": "整改超期"}
# action -> (statuses it may start from, status it leads to; None: decided by the request)
MOVES = {"start": (("pending",), "rectifying"),
         "complete": (("rectifying",), "rectified"),
         "request_invalid": (("pending", "rectifying"), "invalid_requested"),
         "request_unfixable": (("rectifying",), "unfixable_requested"),
         "approve": (("invalid_requested", "unfixable_requested"), None),
         "reject": (("invalid_requested", "unfixable_requested"), None)}
NOTE_NEEDED = {"complete": "what was done", "request_invalid": "why the 差评 is invalid",
               "request_unfixable": "why it cannot be rectified"}
SUPERVISOR = "supervisor"


def named(status: str) -> str:
    return f"{STATUS_CN.get(status, status)} ({status})"


def create(eng, rec: dict, at: float) -> dict:
    ev = eng.hall.evaluation
    day = eng.cal.local(at).date()
    item = {"id": f"F{len(eng.followups) + 1}", "prompt": rec["prompt"], "eval_ref": rec["prompt"],
            "window": rec["window"], "ticket": rec["ticket"], "number": rec["number"], "staff": rec["staff"],
            "service": rec["service"], "matter": rec["matter"], "project_no": rec["project_no"],
            "level": rec["level"], "reasons": rec["reasons"], "created_at": at,
            "contact_by": eng.cal.add_working_days(day, ev.contact_working_days).isoformat(),
            "rectify_by": eng.cal.add_working_days(day, ev.rectify_working_days).isoformat(),
            "status": "pending", "request": None, "callbacks": [], "history": [],
            "contact_overdue": False, "overdue": False, "closed_at": None}
    eng.followups.append(item)
    eng.followup_by_id[item["id"]] = item
    _schedule(eng, item)
    return {"type": "followup_created", "at": at, **_copy(item)}


def _copy(item: dict) -> dict:
    out = dict(item, reasons=list(item["reasons"]), callbacks=[dict(c) for c in item["callbacks"]],
               history=[dict(h) for h in item["history"]])
    out["request"] = dict(item["request"]) if item["request"] else None
    return out


public = _copy


def _due(eng, item: dict, kind: str) -> float:
    return eng.cal.end_of(dt.date.fromisoformat(item["contact_by" if kind == "contact" else "rectify_by"]))


def _schedule(eng, item: dict) -> None:
    if item["status"] in FINAL:
        return
    for kind, flag in (("contact", "contact_overdue"), ("rectify", "overdue")):
        if not item[flag]:
            heapq.heappush(eng.followup_heap, (_due(eng, item, kind), kind, item["id"]))


def _late(item: dict, kind: str) -> bool:
    if kind == "contact":  # nobody has called the citizen back nor begun to rectify
        return not item["contact_overdue"] and item["status"] == "pending" and not item["callbacks"]
    return not item["overdue"] and item["status"] in ("pending", "rectifying")


def _flag(eng, item: dict, kind: str, at: float, events: list) -> None:
    item["contact_overdue" if kind == "contact" else "overdue"] = True
    due = item["contact_by" if kind == "contact" else "rectify_by"]
    events.append({"type": "followup_overdue", "at": at, "id": item["id"], "prompt": item["prompt"],
                   "kind": kind, "due": due})
    set_alert(eng, f"followup_overdue:{item['id']}:{kind}", True, at, events, id=item["id"],
              prompt=item["prompt"], overdue=kind, name=OVERDUE_CN[kind], due=due, window=item["window"],
              staff=item["staff"], service=item["service"], status=item["status"])


def pass_time(eng, at: float, events: list) -> None:
    heap = eng.followup_heap
    while heap and heap[0][0] <= at:
        _, kind, fid = heapq.heappop(heap)
        item = eng.followup_by_id.get(fid)
        # Not late now (in review, say): a later reject re-checks, see _recheck.
        if item is not None and _late(item, kind):
            _flag(eng, item, kind, at, events)


def _recheck(eng, item: dict, at: float, events: list) -> None:
    """After a transition: a deadline that passed while the item was in review counts now."""
    for kind in ("contact", "rectify"):
        if _late(item, kind) and at >= _due(eng, item, kind):
            _flag(eng, item, kind, at, events)


def followup(eng, cmd, at, events):
    fid, action, by = cmd["id"], cmd["action"], cmd["by"]
    item = eng.followup_by_id.get(fid)
    if item is None:
        return f"no follow-up {fid!r}", None
    status = item["status"]
    note, result, called_at = cmd.get("note"), cmd.get("result"), cmd.get("called_at")
    if action == "callback":
        if result is None:
            return "callback (回访): 'result' is required: reached, unreachable, satisfied or unsatisfied", None
        # When the citizen was called back, if recorded later: after the 差评 (to the minute, as
        # a clerk types it), not after now.
        if called_at is not None and not item["created_at"] // 60 * 60 <= called_at <= at:
            return "callback (回访): 'called_at' must lie between the 差评 and now", None
    elif result is not None or called_at is not None:
        return f"{action}: 'result' and 'called_at' are only for a callback (回访)", None
    if action in NOTE_NEEDED and not (note or "").strip():
        return f"{action}: a note is required ({NOTE_NEEDED[action]})", None
    new = status
    if action != "callback":
        sources, new = MOVES[action]
        if status not in sources:
            allowed = " or ".join(named(s) for s in sources)
            return f"cannot {action} follow-up {fid}: it is {named(status)}, {action} needs {allowed}", None
        if action in ("approve", "reject"):
            if cmd.get("role") != SUPERVISOR:
                return f"{action} of follow-up {fid} needs a supervisor (role: supervisor)", None
            if by == item["request"]["by"]:
                return (f"{by} asked for {named(status)} of follow-up {fid}: another supervisor must "
                        f"{action} it (four eyes)"), None
            if by == item["staff"]:
                return f"{by} is the staff member the 差评 of follow-up {fid} is about: another must {action} it", None
            new = status.removesuffix("_requested") if action == "approve" else item["request"]["from"]
    # checked: now change
    if action == "callback":
        item["callbacks"].append({"at": at, "by": by, "result": result, "note": note,
                                  "called_at": at if called_at is None else called_at})
    else:
        item["history"].append({"at": at, "action": action, "by": by, "note": note, "from": status, "to": new})
        item["request"] = ({"by": by, "from": status, "at": at, "note": note}
                           if new.endswith("_requested") else None)
        item["status"] = new
    events.append({"type": "followup_changed", "at": at, "id": fid, "prompt": item["prompt"], "action": action,
                   "status": new, "previous": status, "by": by, "note": note, "result": result,
                   **({"called_at": item["callbacks"][-1]["called_at"]} if action == "callback" else {})})
    if new in FINAL and status not in FINAL:
        item["closed_at"] = at
        for kind in ("contact", "rectify"):  # an overdue alert ends when the item is settled
            set_alert(eng, f"followup_overdue:{fid}:{kind}", False, at, events)
    elif new not in FINAL:
        _recheck(eng, item, at, events)
    return None, _copy(item)


def upgrade(f: dict) -> dict:
    """An item from a snapshot made before the state machine: "open" is 待整改."""
    f = dict(f, reasons=list(f.get("reasons", [])), callbacks=[dict(c) for c in f.get("callbacks", [])],
             history=[dict(h) for h in f.get("history", [])])
    f["request"] = dict(f["request"]) if f.get("request") else None
    if f.get("status") == "open":
        f["status"] = "pending"
    for k, v in (("eval_ref", f["prompt"]), ("number", None), ("matter", None), ("project_no", None),
                 ("contact_overdue", False), ("overdue", False), ("closed_at", None)):
        f.setdefault(k, v)
    return f


def restore(eng, items: list[dict]) -> None:
    eng.followups = [upgrade(f) for f in items]
    eng.followup_by_id = {f["id"]: f for f in eng.followups}
    eng.followup_heap = []
    for f in eng.followups:
        _schedule(eng, f)
