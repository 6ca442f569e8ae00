"""The provincial rating record, derived from a committed `rating_recorded` event.

Pure: the event, the hall file and the store's tag in, the record out. Nothing is
defaulted or topped up: a field the event and the hall file cannot give makes a
RecordError naming what is missing, and the item waits in dead letter until the
hall file is fixed (a retry derives the record again).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from gateway.config.model import LEVEL_NAMES, Hall

# The 差评 follow-up statuses as the province's platform names them; the review
# requests (invalid_requested, unfixable_requested) stay in the hall.
FOLLOWUP_STATES = {"pending": "待整改", "rectifying": "整改中", "rectified": "整改完成", "invalid": "无效差评",
                   "unfixable": "无法整改", "overdue": "整改超期", "callback": "回访"}


class RecordError(ValueError):
    pass


def store_tag(first_hash: str) -> str:
    """Eight hex digits of the store's first record: a store started afresh (a new SD card)
    never reuses an eval_id of the old one, and the tag needs no state of its own."""
    return first_hash[:8]


def eval_id(hall_id: str, tag: str, prompt: str) -> str:
    return f"{hall_id}-{tag}-{prompt}"


def local_time(hall: Hall, at: float) -> str:
    return dt.datetime.fromtimestamp(at, ZoneInfo(hall.timezone)).strftime("%Y-%m-%d %H:%M:%S")


def minted_project_no(hall: Hall, ev: dict) -> str:
    """办件编号 for a service the clerk attached none to: region code, service day, ticket."""
    day = (ev.get("day") or str(ev["ticket"])[:10]).replace("-", "")
    return f"{hall.region_code}{day}{ev['number']}"


def level_code(hall: Hall, level: int) -> str:
    try:
        return hall.upstream.level_map[level]
    except KeyError:
        raise RecordError(f"upstream.level_map has no code for {LEVEL_NAMES[level - 1]} ({level})") from None


def rating(hall: Hall, ev: dict, tag: str) -> dict:
    """The record in the reference (hcp-json) field names; other adapters rename from it."""
    up = hall.upstream
    try:
        svc = hall.service(ev["service"])
    except KeyError:
        raise RecordError(f"service {ev['service']!r} is no longer in the hall file") from None
    matters = {m.code: m for m in svc.matters}
    if ev.get("matter"):
        matter = matters.get(ev["matter"])
        if matter is None:
            raise RecordError(f"matter {ev['matter']!r} is no longer under service {svc.code} in the hall file")
    elif len(svc.matters) == 1:
        matter = svc.matters[0]  # the service is that one matter
    else:
        raise RecordError(f"ticket {ev['number']} names no 事项 and service {svc.code} has {len(svc.matters)}: "
                          "issue tickets by matter or have the clerk attach it")
    if not svc.dept_code:
        raise RecordError(f"services.{svc.code}.dept_code is missing")
    try:
        staff = hall.staff_member(ev["staff"])
    except KeyError:
        raise RecordError(f"staff member {ev['staff']!r} is no longer in the hall file") from None
    version = ev.get("reasons_version") or hall.evaluation.reasons_version
    fallback = version == hall.evaluation.reasons_version
    reasons = [up.reason_map.get(c, c) if fallback else c for c in ev.get("reasons") or []]
    code = level_code(hall, ev["level"])
    rec = {"eval_id": eval_id(hall.id, tag, ev["prompt"]),
           "project_no": ev.get("project_no") or minted_project_no(hall, ev),
           "task_code": matter.code, "task_name": matter.name, "dept_code": svc.dept_code,
           "area_code": up.area_code or hall.region_code,
           "channel": up.supplementary_channel if ev.get("channel") == "supplementary" else up.channel,
           "level": int(code) if code.isdigit() else code, "reasons": reasons, "content_version": version,
           "window": ev["window"], "staff_id": staff.id, "staff_name": staff.name,
           "assess_time": local_time(hall, ev.get("rated_at") or ev["at"]),
           "assess_number": ev.get("assess_number") or 1, "hall_id": hall.id}
    if not ev.get("project_no"):
        rec["project_no_minted"] = True  # said openly: the hall had no 办件编号 for this service
    return rec


def followup(hall: Hall, ev: dict, tag: str) -> dict | None:
    """A follow-up transition as the province's record, or None for a hall-internal one."""
    if ev["type"] == "followup_created":
        state, note = "pending", ""
    elif ev["type"] == "followup_overdue":
        if ev.get("kind") != "rectify":
            return None
        state, note = "overdue", f"应于 {ev.get('due', '')} 前整改"
    elif ev.get("action") == "callback":
        state, note = "callback", " ".join(x for x in (ev.get("result"), ev.get("note")) if x)
    else:
        state, note = ev.get("status"), ev.get("note") or ""
    if state not in FOLLOWUP_STATES:
        return None
    return {"eval_id": eval_id(hall.id, tag, ev["prompt"]), "state": FOLLOWUP_STATES[state],
            "at": local_time(hall, ev["at"]), "note": note or ""}
