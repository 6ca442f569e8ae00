"""Figures of one slice of a report (the period, a day, a window, a service, a staff member),
added up from per-ticket rows at report time: counts, time distributions, cases, ratings."""
from __future__ import annotations

import math

from gateway.engine import satisfaction as sat
from gateway.engine.commands import CASE_TYPES

LEVELS = ("1", "2", "3", "4", "5")
COUNTS = ("issued", "called", "served", "no_show", "transferred", "cancelled", "voided")
TIMES = ("wait_s", "walkup_s", "service_s", "handover_s")
# The waiting-time histogram's bucket edges in minutes (the last bucket is open-ended).
WAIT_EDGES_MIN = (0, 5, 10, 15, 20, 30, 45, 60)


def dist(values: list[float]) -> dict:
    """n, nearest-rank p50 and p90, max and mean; None for each when there is nothing."""
    n = len(values)
    if not n:
        return {"n": 0, "p50": None, "p90": None, "max": None, "avg": None}
    v = sorted(values)
    return {"n": n, "p50": round(v[math.ceil(0.5 * n) - 1], 1), "p90": round(v[math.ceil(0.9 * n) - 1], 1),
            "max": round(v[-1], 1), "avg": round(sum(v) / n, 1)}


class Figures:
    __slots__ = ("counts", "times", "idle_s", "cases", "levels", "supplementary", "tickets")

    def __init__(self):
        self.counts = dict.fromkeys(COUNTS, 0)
        self.times: dict[str, list[float]] = {k: [] for k in TIMES}
        self.idle_s = 0.0
        self.cases = dict.fromkeys(CASE_TYPES, 0)
        self.levels = dict.fromkeys(LEVELS, 0)
        self.supplementary = 0
        self.tickets: set[str] = set()  # tickets called here, for "issued" of a window or a clerk

    def visit(self, ticket: str, how, case_type, wait_s, walkup_s, service_s, handover_s) -> None:
        c, t = self.counts, self.times
        c["called"] += 1
        self.tickets.add(ticket)
        t["wait_s"].append(wait_s)
        if walkup_s is not None:
            t["walkup_s"].append(walkup_s)
        if how == "served":
            c["served"] += 1
            t["service_s"].append(service_s)
            self.cases[case_type] = self.cases.get(case_type, 0) + 1
        elif how == "no_show":
            c["no_show"] += 1
        elif how == "transferred":
            c["transferred"] += 1
            if handover_s is not None:
                t["handover_s"].append(handover_s)

    def rating(self, level: int, source: str) -> None:
        self.levels[str(level)] += 1
        if source == "supplementary":
            self.supplementary += 1

    def to_dict(self, issued_from_visits: bool = False) -> dict:
        counts = dict(self.counts)
        if issued_from_visits:
            counts["issued"] = len(self.tickets)
        rated = sum(self.levels.values())  # at the window and by code (补充评价): satisfaction.py
        satisfied = sum(n for lv, n in self.levels.items() if sat.is_satisfied(lv))
        served = counts["served"]
        return {**counts, **{k: dist(v) for k, v in self.times.items()}, "idle_s": round(self.idle_s, 1),
                "cases": dict(self.cases),
                "ratings": {"rated": rated, "levels": dict(self.levels), "satisfied": satisfied,
                            "bad": rated - satisfied, "supplementary": self.supplementary,
                            "participation_rate": rated / served if served else None,
                            "satisfaction_rate": sat.rate(self.levels)}}


def wait_histogram(waits: list[float]) -> list[dict]:
    edges = [m * 60 for m in WAIT_EDGES_MIN]
    counts = [0] * len(edges)
    for w in waits:
        i = len(edges) - 1
        while i > 0 and w < edges[i]:
            i -= 1
        counts[i] += 1
    return [{"from_s": edges[i], "to_s": edges[i + 1] if i + 1 < len(edges) else None, "count": counts[i]}
            for i in range(len(edges))]
