"""People ahead of a waiting ticket and its estimated wait, read from the engine (pure, under the
runtime's lock)."""
from __future__ import annotations

import math

from gateway.engine.line import PRIORITY_LANES, key

FALLBACK_SERVICE_S = 300.0  # no service finished today yet: 5 minutes a citizen
OPEN = ("idle", "calling", "serving")


def ahead(eng, tid: str) -> int:
    """How many tickets will be called before this one: see standing()."""
    return standing(eng, tid)["ahead"]


def standing(eng, tid: str) -> dict:
    """Where a waiting ticket stands, by the rule the windows call by (line.call_order): the
    people ahead at the window that reaches it soonest (the windows open for it, else all that
    serve it), and how many of them were issued after it: priority tickets (绿色通道, 预约) and
    transfers overtake, and the phone page says so."""
    t = eng.tickets[tid]
    out = {"ahead": 0, "later_priority": 0, "later_transferred": 0}
    if t["state"] != "waiting":
        return out
    line, best = eng.line, None
    seen = set()
    for number in _windows_for(eng, t):
        w, services = eng.windows[number], eng.win_cfg[number].services
        staff = w["staff"]
        group = (services, number if line.to_window.get(number) else None,
                 staff if staff and line.to_staff.get(staff) else None)
        if group in seen:  # windows alike call alike: count once
            continue
        seen.add(group)
        before = []
        for x in line.call_order(number, staff, services, until=tid):
            if x["id"] == tid:
                break
            before.append(x)
        else:
            continue  # this window would never call it
        if best is None or len(before) < len(best):
            best = before
    if best is None:  # waiting for a clerk who is not logged in: their transfers in order
        q = t["queue"]
        heap = line.to_staff.get(q["key"], []) if q["to"] == "staff" else []
        best = [x for x in line._live(heap) if key(x) < key(t)]
    later = [x for x in best if key(x) > key(t)]
    out["ahead"] = len(best)
    out["later_transferred"] = sum(1 for x in later if x["queue"]["to"] != "service")
    out["later_priority"] = sum(1 for x in later if x["queue"]["to"] == "service" and x["lane"] in PRIORITY_LANES)
    return out


def _windows_for(eng, t: dict) -> list[int]:
    q = t["queue"]
    if q["to"] == "window":
        return [q["key"]]
    if q["to"] == "staff":
        n = eng.staff_at.get(q["key"])
        return [n] if n is not None else []
    able = [c.number for c in eng.hall.windows if t["service"] in c.services]
    open_ = [n for n in able if eng.windows[n]["status"] != "closed"]
    return open_ or able


def mean_service_s(eng, service: str) -> float | None:
    a = eng.stats["service"].get(service)
    return a["service_s"] / a["served"] if a and a.get("served") else None


def open_windows(eng, service: str) -> int:
    return sum(1 for cfg in eng.hall.windows
               if service in cfg.services and eng.windows[cfg.number]["status"] in OPEN)


def wait_minutes(eng, service: str, people_ahead: int) -> int:
    """ahead × today's mean service time ÷ windows open for the service, in whole minutes (约)."""
    if people_ahead <= 0:
        return 0
    mean = mean_service_s(eng, service) or FALLBACK_SERVICE_S
    return math.ceil(people_ahead * mean / max(1, open_windows(eng, service)) / 60)


DONE_TEXT = {"served": "已办结，欢迎补充评价", "no_show": "已过号", "cancelled": "已取消", "voided": "此号已作废",
             "reset": "已过当日"}


def overtaken(where: dict) -> str:
    """Why people issued after a ticket are ahead of it, in the citizen's words (or nothing)."""
    parts = []
    if where["later_priority"]:
        parts.append(f"{where['later_priority']} 位绿色通道或预约优先")
    if where["later_transferred"]:
        parts.append(f"{where['later_transferred']} 位转来续办")
    return f"（其中 {'、'.join(parts)}）" if parts else ""


def _hm(eng, at: float | None) -> str | None:
    return eng.cal.local(at).strftime("%H:%M") if at is not None else None


def window_name(eng, n: int | None) -> str | None:
    """'3号 综合受理' -> '综合受理' (the page says '3号窗口' itself)."""
    cfg = eng.win_cfg.get(n) if n is not None else None
    if cfg is None:
        return None
    text = cfg.display_text.strip()
    prefix = f"{n}号"
    return (text[len(prefix):].strip() if text.startswith(prefix) else text) or None


def progress(eng, tid: str) -> dict | None:
    """Where a ticket of today stands, in words, for the page behind its QR code: its number,
    service, the time it was taken, people ahead and the wait while waiting, the window once
    called (times in the hall's local time)."""
    t = eng.tickets.get(tid)
    if t is None:
        return None
    w = t["window"]
    n = wait = None
    if t["state"] == "waiting":
        where = standing(eng, tid)
        n = where["ahead"]
        wait = wait_minutes(eng, t["service"], n)
        text = f"等候中，前面还有 {n} 人，预计等候约 {wait} 分钟" + overtaken(where)
    elif t["state"] == "called":
        text = f"正在叫号：请到 {w} 号窗口办理"
    elif t["state"] == "serving":
        text = f"正在 {w} 号窗口办理"
    else:
        text = DONE_TEXT.get(t["outcome"], "已结束")
    svc = next((s for s in eng.hall.services if s.code == t["service"]), None)
    matter = next((m.name for m in svc.matters if m.code == t["matter"]), None) if svc else None
    return {"hall": eng.hall.name, "number": t["number"], "state": t["state"], "outcome": t["outcome"],
            "window": w, "text": text, "service": t["service"], "service_name": svc.name if svc else None,
            "matter_name": matter, "lane": t["lane"], "day": t["day"], "issued": _hm(eng, t["issued_at"]),
            "ahead": n, "wait_minutes": wait, "window_name": window_name(eng, w),
            "called": _hm(eng, t["called_at"]), "recalls": t["recalls"], "finished": _hm(eng, t["finished_at"])}
