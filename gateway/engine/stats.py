"""Today's statistics, accumulated as things happen so a view never scans all tickets.

Per service, window and staff member: tickets called, served, no-shows, transfers,
and the sums of waiting (ready to called), walk-up (called to started), service
(started to finished) and idle time (logged in with nothing to do).
"""
from __future__ import annotations

from gateway.engine import satisfaction as sat

# service_s is the time of services finished here (avg_service_s = service_s / served);
# the time spent on a ticket before handing it on is handover_s, so transfers do not
# inflate the average service time the tidal estimate uses.
FIELDS = ("called", "started", "served", "no_show", "transferred", "wait_s", "walkup_s", "service_s", "idle_s",
          "rated", "satisfied", "bad", "handover_s")
SATISFIED_MIN = sat.SATISFIED_MIN


def new_stats(day: str) -> dict:
    return {"day": day,
            "volume": {"issued": 0, "called": 0, "served": 0, "no_show": 0, "transferred": 0,
                       "cancelled": 0, "reset": 0, "voided": 0},
            # rated .. levels: the window evaluator's prompts and their ratings (requested -> rated or
            # timed out); supplementary*: 补充评价 by code made today (it may judge an earlier day);
            # day_levels: every rating of this day's services, either way: what 满意度 counts
            "evaluation": {"requested": 0, "rated": 0, "satisfied": 0, "bad": 0, "timed_out": 0, "cancelled": 0,
                           "levels": {str(i): 0 for i in range(1, 6)}, "supplementary": 0,
                           "supplementary_bad": 0, "day_levels": {str(i): 0 for i in range(1, 6)}},
            "service": {}, "window": {}, "staff": {}, "issued": {}}


def _agg(stats: dict, kind: str, key) -> dict:
    key = str(key)
    a = stats[kind].get(key)
    if a is None:
        a = stats[kind][key] = dict.fromkeys(FIELDS, 0)
    return a


def add(stats: dict, field: str, amount, service=None, window=None, staff=None) -> None:
    """Add to one field of every bucket the event belongs to."""
    for kind, key in (("service", service), ("window", window), ("staff", staff)):
        if key is not None:
            a = _agg(stats, kind, key)
            a[field] = a.get(field, 0) + amount  # .get: a bucket from a snapshot older than the field


def count(stats: dict, what: str) -> None:
    vol = stats["volume"]
    vol[what] = vol.get(what, 0) + 1  # .get: a snapshot from before the field


def issued(stats: dict, service: str, lane: str) -> None:
    stats["volume"]["issued"] += 1
    per = stats["issued"].setdefault(service, {})
    per[lane] = per.get(lane, 0) + 1


def day_levels(stats: dict) -> dict:
    """Every rating of this day's services by level, at the window or by code: 满意度's count."""
    ev = stats["evaluation"]
    return ev.get("day_levels", ev["levels"])  # a snapshot from before it: the window's ratings


def rating(stats: dict, level: int, service, window, staff, day: str | None = None) -> None:
    """A rating at the window's evaluator, of the service of `day` (None: this day)."""
    ev = stats["evaluation"]
    ev.setdefault("day_levels", dict(ev["levels"]))
    ev["rated"] += 1
    ev["levels"][str(level)] += 1
    ev["satisfied" if sat.is_satisfied(level) else "bad"] += 1
    rating_of_day(stats, level, service, window, staff, day)


def rating_of_day(stats: dict, level: int, service, window, staff, day: str | None) -> None:
    """Any rating (at the window, or 补充评价 by code): counted in this day's 满意度, for the hall
    and its service, window and staff member, when it judges a service of this day."""
    if day is not None and day != stats["day"]:
        return  # another day's service: its figure is that day's (the reports count it there)
    ev = stats["evaluation"]
    levels = ev.setdefault("day_levels", dict(ev["levels"]))
    levels[str(level)] += 1
    for f in ("rated", "satisfied" if sat.is_satisfied(level) else "bad"):
        add(stats, f, 1, service, window, staff)


def report(stats: dict, live_idle: dict[str, float] | None = None) -> dict:
    """A view with averages and rates; live_idle adds the running idle time of idle windows."""
    def view(a: dict, extra_idle: float = 0.0) -> dict:
        out = dict(a)
        out["idle_s"] = a["idle_s"] + extra_idle
        out["avg_wait_s"] = a["wait_s"] / a["called"] if a["called"] else None
        out["avg_walkup_s"] = a["walkup_s"] / a["started"] if a["started"] else None
        out["avg_service_s"] = a["service_s"] / a["served"] if a["served"] else None
        # A bucket keeps satisfied and bad counts only: the same rate as of its levels.
        out["satisfaction_rate"] = sat.rate({sat.SATISFIED_MIN: a["satisfied"], 1: a["bad"]})
        return out

    live_idle = live_idle or {}
    ev = stats["evaluation"]
    served = stats["volume"]["served"]
    levels = day_levels(stats)
    day_rated = sum(levels.values())
    return {
        "day": stats["day"],
        "volume": dict(stats["volume"]),
        "issued_by_lane": {k: dict(v) for k, v in stats["issued"].items()},
        # 满意度 and 参评率 of the day's services, counted as the reports count them (satisfaction.py)
        "evaluation": {**ev, "levels": dict(ev["levels"]), "day_levels": dict(levels), "day_rated": day_rated,
                       "satisfaction_rate": sat.rate(levels),
                       "participation_rate": day_rated / served if served else None},
        "service": {k: view(v) for k, v in stats["service"].items()},
        "window": {k: view(v, live_idle.get(k, 0.0)) for k, v in stats["window"].items()},
        "staff": {k: view(v, live_idle.get("staff:" + k, 0.0)) for k, v in stats["staff"].items()},
    }
