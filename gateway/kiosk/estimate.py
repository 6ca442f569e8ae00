"""A waiting ticket's estimated wait and a ticket's progress in the citizen's words, read from the
engine (pure, under the runtime's lock). How many are ahead is the engine's rule (reads.standing)."""
from __future__ import annotations

import math

from gateway.engine import reads

FALLBACK_SERVICE_S = 300.0  # no service finished today yet: 5 minutes a citizen
OPEN = ("idle", "calling", "serving")


def open_windows(eng, service: str) -> int:
    status = reads.statuses(eng)
    return sum(1 for cfg in eng.hall.windows if service in cfg.services and status[cfg.number] in OPEN)


def wait_minutes(eng, service: str, people_ahead: int) -> int:
    """ahead × today's mean service time ÷ windows open for the service, in whole minutes (约)."""
    if people_ahead <= 0:
        return 0
    mean = reads.mean_service_s(eng, service) or FALLBACK_SERVICE_S
    return math.ceil(people_ahead * mean / max(1, open_windows(eng, service)) / 60)


DONE_TEXT = {"served": "已办结，欢迎补充评价", "no_show": "已过号", "cancelled": "已取消", "voided": "此号已作废",
             "reset": "已过当日"}


def overtaken(where: reads.Standing) -> str:
    """Why people issued after a ticket are ahead of it, in the citizen's words (or nothing)."""
    parts = []
    if where.later_priority:
        parts.append(f"{where.later_priority} 位绿色通道或预约优先")
    if where.later_transferred:
        parts.append(f"{where.later_transferred} 位转来续办")
    return f"（其中 {'、'.join(parts)}）" if parts else ""


def _hm(eng, at: float | None) -> str | None:
    return eng.cal.local(at).strftime("%H:%M") if at is not None else None


def window_name(eng, n: int | None) -> str | None:
    """'3号 综合受理' -> '综合受理' (the page says '3号窗口' itself)."""
    cfg = next((w for w in eng.hall.windows if w.number == n), None)
    if cfg is None:
        return None
    text = cfg.display_text.strip()
    prefix = f"{n}号"
    return (text[len(prefix):].strip() if text.startswith(prefix) else text) or None


def progress(eng, tid: str) -> dict | None:
    """Where a ticket of today stands, in words, for the page behind its QR code: its number,
    service, the time it was taken, people ahead and the wait while waiting, the window once
    called (times in the hall's local time)."""
    t = reads.ticket(eng, tid)
    if t is None:
        return None
    w = t.window
    n = wait = None
    if t.state == "waiting":
        where = reads.standing(eng, tid)
        n = where.ahead
        wait = wait_minutes(eng, t.service, n)
        text = f"等候中，前面还有 {n} 人，预计等候约 {wait} 分钟" + overtaken(where)
    elif t.state == "called":
        text = f"正在叫号：请到 {w} 号窗口办理"
    elif t.state == "serving":
        text = f"正在 {w} 号窗口办理"
    else:
        text = DONE_TEXT.get(t.outcome, "已结束")
    svc = next((s for s in eng.hall.services if s.code == t.service), None)
    matter = next((m.name for m in svc.matters if m.code == t.matter), None) if svc else None
    return {"hall": eng.hall.name, "number": t.number, "state": t.state, "outcome": t.outcome,
            "window": w, "text": text, "service": t.service, "service_name": svc.name if svc else None,
            "matter_name": matter, "lane": t.lane, "day": t.day, "issued": _hm(eng, t.issued_at),
            "ahead": n, "wait_minutes": wait, "window_name": window_name(eng, w),
            "called": _hm(eng, t.called_at), "recalls": t.recalls, "finished": _hm(eng, t.finished_at)}
