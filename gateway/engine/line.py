"""The waiting line: per service a normal lane and a priority lane (green channel and
appointments, FIFO among them), plus tickets transferred to a window or a staff member.

Heaps keyed by (issue time, issue order) give O(log n) per call; entries of tickets
that left the line (called by number, cancelled, re-queued) are dropped lazily when
they reach the top, recognised by the ticket's state and generation.
"""
from __future__ import annotations

import heapq

PRIORITY_LANES = ("green", "appointment")


class WaitingLine:
    def __init__(self, services: list[str], normal_per_priority: int, tickets: dict):
        self.n = normal_per_priority
        self.tickets = tickets  # id -> ticket dict, shared with the engine
        self.lanes = {code: ([], []) for code in services}  # (normal heap, priority heap)
        self.to_window: dict[int, list] = {}
        self.to_staff: dict[str, list] = {}
        self.run = dict.fromkeys(services, 0)  # normal calls since the last priority call
        self.waiting = dict.fromkeys(services, 0)

    def _heap_for(self, t: dict) -> list:
        q = t["queue"]
        if q["to"] == "window":
            return self.to_window.setdefault(q["key"], [])
        if q["to"] == "staff":
            return self.to_staff.setdefault(q["key"], [])
        normal, prio = self.lanes[t["service"]]
        return prio if t["lane"] in PRIORITY_LANES else normal

    def add(self, t: dict) -> None:
        """Put a ticket (state already 'waiting', queue set) into its heap."""
        t["gen"] += 1
        heapq.heappush(self._heap_for(t), (t["issued_at"], t["order"], t["id"], t["gen"]))
        self.waiting[t["service"]] += 1

    def left(self, t: dict) -> None:
        """A waiting ticket left the line other than through pick (cancel, call by number)."""
        self.waiting[t["service"]] -= 1

    def _top(self, heap: list):
        tickets = self.tickets
        while heap:
            _, _, tid, gen = heap[0]
            t = tickets.get(tid)
            if t is not None and t["state"] == "waiting" and t["gen"] == gen:
                return t
            heapq.heappop(heap)
        return None

    def _take(self, heap: list) -> dict:
        t = self._top(heap)
        heapq.heappop(heap)
        self.waiting[t["service"]] -= 1
        return t

    def pick(self, window: int, staff: str | None, services: tuple[str, ...]) -> dict | None:
        """The best ticket for a window: transferred to it, then to its clerk, then its
        services in order of preference, N normal then 1 priority within a service."""
        for heap in (self.to_window.get(window), self.to_staff.get(staff) if staff else None):
            if heap and self._top(heap) is not None:
                return self._take(heap)
        for code in services:
            normal, prio = self.lanes[code]
            n_top, p_top = self._top(normal), self._top(prio)
            if p_top is not None and (n_top is None or self.run[code] >= self.n):
                self.run[code] = 0
                return self._take(prio)
            if n_top is not None:
                self.run[code] += 1
                return self._take(normal)
        return None

    def ordered(self, code: str) -> tuple[list[dict], list[dict]]:
        """Waiting tickets of a service in call order per lane (for views, O(n log n))."""
        out = []
        for heap in self.lanes[code]:
            live = [t for _, _, tid, gen in heap
                    if (t := self.tickets.get(tid)) is not None and t["state"] == "waiting" and t["gen"] == gen]
            out.append(sorted(live, key=lambda t: (t["issued_at"], t["order"])))
        return out[0], out[1]

    def rebuild(self, run: dict) -> None:
        """Refill every heap from the tickets (after restore or a day reset)."""
        for normal, prio in self.lanes.values():
            normal.clear()
            prio.clear()
        self.to_window.clear()
        self.to_staff.clear()
        self.waiting = dict.fromkeys(self.waiting, 0)
        self.run = {code: run.get(code, 0) for code in self.run}
        for t in sorted(self.tickets.values(), key=lambda t: t["order"]):
            if t["state"] == "waiting":
                t["gen"] -= 1  # add() bumps it back: generations survive a snapshot unchanged
                self.add(t)
