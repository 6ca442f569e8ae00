"""The dashboard's 差评 follow-up panel (pure: the engine read under the runtime lock, a time
passed in): each item in the hall's words — the rating's level by its name, the ticket, the
window, the clerk by name, the reasons by their text in the evaluation content in force, the
deadlines and every step as local times — and the actions its state allows, so the page only
lays it out. The actions themselves are engine commands (gateway/engine/followup.py)."""
from __future__ import annotations

import datetime as dt

from gateway.engine import followup as fu
from gateway.engine import reads

LEVEL_CN = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
ACTION_CN = {"start": "开始整改", "complete": "整改完成", "request_invalid": "申请无效差评",
             "request_unfixable": "申请无法整改", "approve": "批准", "reject": "驳回", "callback": "记录回访"}
RESULT_CN = {"reached": "已联系上", "unreachable": "未联系上", "satisfied": "群众满意", "unsatisfied": "群众不满意"}
ASKED_CN = {"invalid_requested": "无效差评", "unfixable_requested": "无法整改"}
RECENT_S = 7 * 86400  # settled items stay on the panel this long (the supervisor sees the outcome)
RECENT_MAX = 10


def when(cal, epoch: float | None) -> str | None:
    """A moment as people read it: 2026年12月9日 09:10, in the hall's time zone."""
    if epoch is None:
        return None
    d = cal.local(epoch)
    return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"


def by_day(day: str) -> str:
    """A deadline "by that day" (it runs out at local midnight after it)."""
    d = dt.date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日 23:59"


def reason_texts(texts: dict[str, str], codes: list[str]) -> list[str]:
    """The reasons' texts in the content in force (code -> text); a code it no longer has is said
    so, never guessed."""
    return [texts.get(c, f"原因{c}（现行评价内容中已无此项）") for c in codes]


def allowed(status: str) -> list[str]:
    """The actions this state allows, in the order the page shows them; a 回访 always."""
    return [a for a, (sources, _) in fu.MOVES.items() if status in sources] + ["callback"]


def step_text(h: dict) -> str:
    """One transition in words: 开始整改, 申请无效差评, 批准无效差评 …"""
    name = ACTION_CN[h["action"]]
    if h["action"] == "approve":
        name += ASKED_CN.get(h["from"], "")
    elif h["action"] == "reject":
        name += ASKED_CN.get(h["from"], "") + "申请"
    return name


def item(eng, f: reads.FollowupRecord, names: dict, texts: dict[str, str]) -> dict:
    """texts: the reasons' texts of the content in force (reads.content(eng).texts())."""
    cal, hall = eng.cal, eng.hall
    svc = next((s for s in hall.services if s.code == f["service"]), None)
    matter = next((m.name for m in svc.matters if m.code == f.get("matter")), None) if svc else None
    req = f["request"]

    def who(sid: str) -> str:  # a member since removed from the hall file keeps their id
        return names.get(sid, sid)
    return {
        "id": f["id"], "number": f.get("number") or f["ticket"], "window": f["window"],
        "window_name": f"{f['window']}号窗口", "staff": f["staff"], "staff_name": who(f["staff"]),
        "service_name": svc.name if svc else f["service"], "matter_name": matter,
        "level": f["level"], "level_cn": LEVEL_CN.get(f["level"], str(f["level"])),
        "reasons": reason_texts(texts, f["reasons"]), "rated": when(cal, f["created_at"]),
        "status": f["status"], "status_cn": fu.STATUS_CN.get(f["status"], f["status"]),
        "final": f["status"] in fu.FINAL, "closed": when(cal, f.get("closed_at")),
        "contact_due": by_day(f["contact_by"]), "contact_overdue": bool(f["contact_overdue"]),
        "contacted": bool(f["callbacks"]) or f["status"] != "pending",
        "rectify_due": by_day(f["rectify_by"]), "rectify_overdue": bool(f["overdue"]),
        "overdue": bool(f["overdue"] or f["contact_overdue"]) and f["status"] not in fu.FINAL,
        "request": None if req is None else {
            "kind_cn": ASKED_CN.get(f["status"], ""), "by": req["by"], "by_name": who(req["by"]),
            "note": req.get("note"), "at": when(cal, req["at"])},
        "steps": steps(cal, f, who), "actions": allowed(f["status"])}


def steps(cal, f: dict, who) -> list[dict]:
    """Every transition and 回访 of an item, in the order they happened: a 回访's time is typed
    to the minute, so within a minute the order they were recorded in decides."""
    out = [(h["at"], h["at"], {"what": step_text(h), "by_name": who(h["by"]), "note": h.get("note")})
           for h in f["history"]]
    out += [(c.get("called_at", c["at"]), c["at"], {"what": "回访：" + RESULT_CN.get(c["result"], c["result"]),
                                                    "by_name": who(c["by"]), "note": c.get("note")})
            for c in f["callbacks"]]
    out.sort(key=lambda x: (x[0] // 60, x[1]))
    return [dict(s, at=when(cal, t)) for t, _, s in out]


def panel(eng, now: float) -> dict:
    """Open items (overdue first, then those awaiting approval, then the oldest) and the ones
    settled in the last week, newest first."""
    names = {s.id: s.name for s in eng.hall.staff}
    texts = reads.content(eng).texts()
    open_items = reads.followups(eng, final=False)
    open_items.sort(key=lambda f: (not (f["overdue"] or f["contact_overdue"]), f["request"] is None, f["created_at"]))
    settled = reads.followups(eng, final=True, closed_since=now - RECENT_S)
    settled.sort(key=lambda f: -(f.get("closed_at") or 0))
    items = [item(eng, f, names, texts) for f in open_items + settled[:RECENT_MAX]]
    return {"open": len(open_items), "overdue": sum(x["overdue"] for x in items),
            "items": items, "supervisors": [{"staff": s.id, "name": s.name} for s in eng.hall.staff if s.supervisor]}


def words(eng) -> dict:
    """Names the page puts in place of codes in the report's tables (levels, reasons, states)."""
    return {"levels": {str(k): v for k, v in LEVEL_CN.items()},
            "reasons": reads.content(eng).texts(),
            "followup_status": dict(fu.STATUS_CN)}
