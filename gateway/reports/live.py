"""The dashboard's live picture (pure: the engine read under the runtime lock, a time passed in):
every window's state and clerk, the queues with their longest wait, the active alerts, open
and overdue 差评 follow-ups, and today's band. Device health, the printer and the upstream
delivery are added beside it by the shell (they are not queue facts, see dashboard.py)."""
from __future__ import annotations

from gateway.audio.health import CAUSES as AUDIO_CAUSES
from gateway.clock import words as clock_words
from gateway.engine import reads
from gateway.reports import followup_panel as fp
from gateway.reports.followup_panel import LEVEL_CN  # noqa: F401 -- the report's tables read it here

STATUS_CN = {"idle": "空闲", "calling": "叫号中", "serving": "办理中", "paused": "暂停", "closed": "未登录"}
ALERT_CN = {"tidal": "等候人数多，请开潮汐窗口", "max_wait": "等候超过时限", "case_limit": "窗口办件超过上限",
            "empty_post": "空岗", "followup_overdue": "差评整改超期", "printer": "叫号机打印机故障",
            "login_locked": "登录码多次输错，窗口登录已锁定", "part_fault": "设备故障",
            "device_flood": "设备消息过多"}
PART_CN = {"audio": "大厅广播无声"}
ROLE_CN = {"callpad": "呼叫器", "evaluator": "评价器", "display": "窗口屏"}


def flood_text(a: dict, dropped: int | None = None) -> str:
    """A device past its budget by its window and role: 3号窗口 评价器 消息过多，已丢弃 1234 条.
    dropped: the plane's count now (the alert holds the count when it was raised)."""
    n = (a.get("dropped") or 0) if dropped is None else dropped
    who = (f"{a['window']}号窗口 {ROLE_CN.get(a.get('role'), '设备')}" if a.get("window") is not None
           else "未登记的设备")
    return f"{who} 消息过多，已丢弃 {n} 条"


def with_flood_counts(alerts: list[dict], floods: dict[str, int] | None) -> list[dict]:
    """The dashboard's alerts with each flooding device's count as the device plane has it now."""
    if not floods:
        return alerts
    return [{**a, "text": flood_text(a, floods[a["device"]])} if a.get("kind") == "device_flood"
            and a.get("device") in floods else a for a in alerts]


def alert_text(a: dict, windows: dict, services: dict, numbers: dict | None = None) -> str:
    """numbers: follow-up id -> the ticket number of its 差评 (the alert names the ticket)."""
    kind = a.get("kind")
    if kind == "device_flood":
        return flood_text(a)
    where = []
    if a.get("window") is not None:
        where.append(windows.get(a["window"], f"{a['window']}号窗口"))
    if a.get("service") is not None:
        where.append(services.get(a["service"], a["service"]))
    text = ALERT_CN.get(kind, kind)
    if kind == "max_wait" and a.get("longest_minutes") is not None:
        text += f"（最长 {a['longest_minutes']:.0f} 分钟）"
    elif kind == "tidal" and a.get("waiting") is not None:
        text += f"（等候 {a['waiting']} 人，预计 {a.get('estimate_minutes', 0):.0f} 分钟）"
    elif kind == "empty_post" and a.get("reason"):
        text += f"（{a['reason']}）"
    elif kind == "login_locked" and a.get("seconds") is not None:
        text += f"（第 {a.get('locks', 1)} 次，{a['seconds']} 秒）"
    elif kind == "part_fault":
        cause = AUDIO_CAUSES.get(a.get("cause"))  # named where the speakers' health is kept
        text = PART_CN.get(a.get("part"), text) + (f"：{cause[0]}" if cause else "")
    elif kind == "followup_overdue":
        which = (numbers or {}).get(a.get("id"))
        due = fp.by_day(a["due"]) if a.get("due") else None
        text = f"差评{a.get('name', '超期')}（" + "，".join(x for x in (which and f"{which}号", due and f"限 {due}") if x) + "）"
    return "：".join(where + [text]) if where else text


def picture(eng, now: float) -> dict:
    hall = eng.hall
    staff_names = {s.id: s.name for s in hall.staff}
    win_names = {w.number: w.display_text for w in hall.windows}
    svc_names = {s.code: s.name for s in hall.services}
    windows = []
    for cfg, w in zip(hall.windows, reads.windows(eng), strict=True):
        windows.append({"window": cfg.number, "name": cfg.display_text, "type": cfg.type,
                        "services": list(cfg.services), "status": w.status, "status_cn": STATUS_CN[w.status],
                        "staff": w.staff, "staff_name": staff_names.get(w.staff), "post": w.post,
                        "number": w.ticket_number, "since": w.since,
                        "for_s": None if w.since is None else max(0.0, now - w.since),
                        "paused_reason": w.paused_reason, "until": w.until, "cases": w.cases})
    oldest = reads.longest_waiting(eng)
    waiting = reads.waiting(eng)
    queues = [{"service": s.code, "name": s.name, "prefix": s.prefix, "waiting": waiting[s.code],
               "longest_wait_s": max(0.0, now - oldest[s.code]) if s.code in oldest else None}
              for s in hall.services]
    raised = sorted(reads.alerts(eng), key=lambda a: (a.get("at") or 0, a["key"]))
    numbers = {}  # the follow-ups the alerts name: their tickets' numbers
    for a in raised:
        f = reads.followup(eng, a.get("id")) if a.get("kind") == "followup_overdue" else None
        if f is not None:
            numbers[f["id"]] = f.get("number") or f["ticket"]
    alerts = [{"key": a["key"], "kind": a.get("kind"), "since": a.get("at"), "window": a.get("window"),
               "service": a.get("service"), "text": alert_text(a, win_names, svc_names, numbers),
               **({"device": a.get("device"), "role": a.get("role"), "dropped": a.get("dropped")}
                  if a.get("kind") == "device_flood" else {})} for a in raised]
    rep = reads.stats_report(eng, now)
    vol, ev = rep["volume"], rep["evaluation"]
    day = reads.day_stats(eng)
    today = {"day": reads.day(eng), "issued": vol["issued"], "served": vol["served"], "no_show": vol["no_show"],
             "waiting": sum(waiting.values()), "avg_wait_s": day.avg_wait_s,
             "rated": ev["day_rated"], "satisfaction_rate": ev["satisfaction_rate"],  # satisfaction.py's
             "participation_rate": ev["participation_rate"],
             "windows_open": sum(w["status"] != "closed" for w in windows), "windows_total": len(windows)}
    c = reads.clock(eng)
    clock = {**clock_words.state(c, hall.timezone, staff_names), "synced": c.synced, "confirmed": c.confirmed,
             "can_set": c.synced is False, "offset_s": c.offset}
    return {"hall": {"id": hall.id, "name": hall.name, "timezone": hall.timezone}, "now": now, "today": today,
            "clock": clock,
            "people": [{"staff": s.id, "name": s.name} for s in hall.staff], "windows": windows,
            "queues": queues, "alerts": alerts, "followups": fp.panel(eng, now), "words": fp.words(eng)}
