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
