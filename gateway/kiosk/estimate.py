"""People ahead of a waiting ticket and its estimated wait, read from the engine (pure, under the
runtime's lock)."""
from __future__ import annotations

import math

FALLBACK_SERVICE_S = 300.0  # no service finished today yet: 5 minutes a citizen
OPEN = ("idle", "calling", "serving")


def ahead(eng, tid: str) -> int:
    """How many tickets of its service will be called before this one: its own lane's, plus the
    other lane's the N-normal-then-1-priority interleave lets in first."""
    t = eng.tickets[tid]
    if t["state"] != "waiting":
        return 0
    normal, prio = eng.line.ordered(t["service"])
    n, run = eng.hall.queue.normal_per_priority, eng.line.run.get(t["service"], 0)
    mine = prio if t["lane"] != "normal" else normal
    k = next((i for i, x in enumerate(mine) if x["id"] == tid), len(mine))
    others = len(normal) if mine is prio else len(prio)
    count = 0
    # Replays WaitingLine.pick for one service: priority when run >= n or no normal is left.
    while True:
        if mine is prio:
            if run >= n or others == 0:
                if k == 0:
                    return count
                k, run = k - 1, 0
            else:
                others, run = others - 1, run + 1
        else:
            if others and run >= n:
                others, run = others - 1, 0
            elif k == 0:
                return count
            else:
                k, run = k - 1, run + 1
        count += 1


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


def progress(eng, tid: str) -> dict | None:
    """Where a ticket of today stands, in words, for the page behind its QR code."""
    t = eng.tickets.get(tid)
    if t is None:
        return None
    w = t["window"]
    if t["state"] == "waiting":
        n = ahead(eng, tid)
        text = f"等候中，前面还有 {n} 人，预计等候约 {wait_minutes(eng, t['service'], n)} 分钟"
    elif t["state"] == "called":
        text = f"正在叫号：请到 {w} 号窗口办理"
    elif t["state"] == "serving":
        text = f"正在 {w} 号窗口办理"
    else:
        text = DONE_TEXT.get(t["outcome"], "已结束")
    return {"hall": eng.hall.name, "number": t["number"], "state": t["state"], "outcome": t["outcome"],
            "window": w, "text": text}
