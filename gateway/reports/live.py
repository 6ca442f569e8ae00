"""The dashboard's live picture (pure: the engine read under the runtime lock, a time passed in):
every window's state and clerk, the queues with their longest wait, the active alerts, open
and overdue 差评 follow-ups, and today's band. Device health, the printer and the upstream
delivery are added beside it by the shell (they are not queue facts, see dashboard.py)."""
from __future__ import annotations

from gateway.audio.health import CAUSES as AUDIO_CAUSES
from gateway.engine import stats as st
from gateway.reports import followup_panel as fp
from gateway.reports.followup_panel import LEVEL_CN  # noqa: F401 -- the report's tables read it here

STATUS_CN = {"idle": "空闲", "calling": "叫号中", "serving": "办理中", "paused": "暂停", "closed": "未登录"}
ALERT_CN = {"tidal": "等候人数多，请开潮汐窗口", "max_wait": "等候超过时限", "case_limit": "窗口办件超过上限",
            "empty_post": "空岗", "followup_overdue": "差评整改超期", "printer": "叫号机打印机故障",
            "login_locked": "登录码多次输错，窗口登录已锁定", "part_fault": "设备故障"}
PART_CN = {"audio": "大厅广播无声"}


def alert_text(a: dict, windows: dict, services: dict, numbers: dict | None = None) -> str:
    """numbers: follow-up id -> the ticket number of its 差评 (the alert names the ticket)."""
    kind = a.get("kind")
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
    for cfg in hall.windows:
        w = eng.windows[cfg.number]
        windows.append({"window": cfg.number, "name": cfg.display_text, "type": cfg.type,
                        "services": list(cfg.services), "status": w["status"], "status_cn": STATUS_CN[w["status"]],
                        "staff": w["staff"], "staff_name": staff_names.get(w["staff"]), "post": w["post"],
                        "number": w["ticket_number"], "since": w["since"],
                        "for_s": None if w["since"] is None else max(0.0, now - w["since"]),
                        "paused_reason": w["paused_reason"], "until": w["until"], "cases": w["cases"]})
    oldest: dict[str, float] = {}
    for t in eng.tickets.values():
        if t["state"] == "waiting":
            code = t["service"]
            oldest[code] = min(oldest.get(code, t["ready_at"]), t["ready_at"])
    queues = [{"service": s.code, "name": s.name, "prefix": s.prefix, "waiting": eng.line.waiting[s.code],
               "longest_wait_s": max(0.0, now - oldest[s.code]) if s.code in oldest else None}
              for s in hall.services]
    numbers = {f["id"]: f.get("number") or f["ticket"] for f in eng.followups}
    alerts = [{"key": k, "kind": a.get("kind"), "since": a.get("at"), "window": a.get("window"),
               "service": a.get("service"), "text": alert_text(a, win_names, svc_names, numbers)}
              for k, a in sorted(eng.alerts.items(), key=lambda kv: (kv[1].get("at") or 0, kv[0]))]
    rep = st.report(eng.stats, eng.live_idle(now))
    vol, ev = rep["volume"], rep["evaluation"]
    waits = [a["wait_s"] for a in eng.stats["window"].values()]
    called = sum(a["called"] for a in eng.stats["window"].values())
    today = {"day": eng.day, "issued": vol["issued"], "served": vol["served"], "no_show": vol["no_show"],
             "waiting": sum(eng.line.waiting.values()), "avg_wait_s": sum(waits) / called if called else None,
             "rated": ev["day_rated"], "satisfaction_rate": ev["satisfaction_rate"],  # satisfaction.py's
             "participation_rate": ev["participation_rate"],
             "windows_open": sum(w["status"] != "closed" for w in windows), "windows_total": len(windows)}
    return {"hall": {"id": hall.id, "name": hall.name, "timezone": hall.timezone}, "now": now, "today": today,
            "people": [{"staff": s.id, "name": s.name} for s in hall.staff], "windows": windows,
            "queues": queues, "alerts": alerts, "followups": fp.panel(eng, now), "words": fp.words(eng)}
