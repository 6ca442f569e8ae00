"""The waiting line: per service a normal lane and a priority lane (green channel and
appointments, FIFO among them), plus tickets transferred to a window or a staff member.

The order a window calls in is one rule, `choose`, used both by `pick` (the engine's call)
and by `people_ahead` (what a citizen is told), so the number told is the order called:
- tickets transferred to the window, then to its clerk, come first (FIFO);
- a priority ticket (绿色通道, 预约) is never called later than it would be as a normal ticket:
  not after a normal ticket issued later (across all the services the window serves), nor after
  a normal ticket of a service the window prefers less: it waits less, never more;
- the N-normal-then-1-priority ratio only moves priority tickets earlier: once a service has
  had N normal calls since its last priority call, its waiting priority ticket is due;
- between tickets of the same kind the window's order of services decides, and FIFO within one.

Heaps keyed by (issue time, issue order) give O(log n) per call; entries of tickets
that left the line (called by number, cancelled, re-queued) are dropped lazily when
they reach the top, recognised by the ticket's state and generation.

A ticket whose kiosk slip is still printing (t["printing"]) keeps its place: the views and
`call_order` count it where it stands, but `pick` passes over it (set aside and put back: a
kiosk prints one slip at a time, so there are hardly ever more than one or two).
"""
from __future__ import annotations

import heapq

PRIORITY_LANES = ("green", "appointment")


def key(t: dict) -> tuple:
    return t["issued_at"], t["order"]


def choose(heads: list[tuple[str, dict | None, dict | None]], run: dict, n: int) -> tuple[str, bool] | None:
    """The next call among a window's services: heads are (service, oldest normal, oldest
    priority) in the window's order of preference. Returns (service, is_priority) or None."""
    # One pass (it runs for every call and for every place a view reads off the line): the first
    # normal and the first priority head, the oldest priority head, and a service's ratio run out.
    normal = prio = oldest = None
    ratio_due = False
    for i, (c, t, p) in enumerate(heads):
        if normal is None and t is not None:
            normal = (i, c, t)
        if p is not None:
            if prio is None:
                prio = (i, c)
            k = key(p)
            if oldest is None or k < oldest:
                oldest = k
            ratio_due = ratio_due or run[c] >= n
    if prio is None:
        return None if normal is None else (normal[1], False)
    if normal is None or prio[0] < normal[0]:  # none left, or it would be first as a normal ticket too
        return prio[1], True
    due = oldest < key(normal[2]) or ratio_due
    return (prio[1], True) if due else (normal[1], False)


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

    def _callable(self, heap: list, aside: list) -> dict | None:
        """The heap's first ticket that may be called; the printing ones above it set aside."""
        while (t := self._top(heap)) is not None and t["printing"]:
            aside.append((heap, heapq.heappop(heap)))
        return t

    def pick(self, window: int, staff: str | None, services: tuple[str, ...]) -> dict | None:
        """The ticket a window calls next (see the module's rule), taken off the line."""
        aside: list = []
        try:
            for heap in (self.to_window.get(window), self.to_staff.get(staff) if staff else None):
                if heap and self._callable(heap, aside) is not None:
                    return self._take(heap)
            heads = [(c, self._callable(self.lanes[c][0], aside), self._callable(self.lanes[c][1], aside))
                     for c in services]
            got = choose(heads, self.run, self.n)
            if got is None:
                return None
            code, priority = got
            self.run[code] = 0 if priority else self.run[code] + 1
            return self._take(self.lanes[code][1 if priority else 0])
        finally:
            for heap, entry in aside:
                heapq.heappush(heap, entry)

    def printing(self, window: int, staff: str | None, services: tuple[str, ...]) -> dict | None:
        """A ticket this window could call but for its slip, still printing (None if there is none)."""
        return next((t for t in self.call_order(window, staff, services) if t["printing"]), None)

    def ordered(self, code: str) -> tuple[list[dict], list[dict]]:
        """Waiting tickets of a service in call order per lane (for views, O(n log n))."""
        out = []
        for heap in self.lanes[code]:
            out.append(self._live(heap))
        return out[0], out[1]

    def _live(self, heap: list) -> list[dict]:
        live = [t for _, _, tid, gen in heap
                if (t := self.tickets.get(tid)) is not None and t["state"] == "waiting" and t["gen"] == gen]
        return sorted(live, key=key)

    def call_order(self, window: int, staff: str | None, services: tuple[str, ...], until: str | None = None):
        """The tickets a window alone would call, in order, by the same rule as pick (nothing
        taken): stops after `until` when given. For "前面还有 N 人" and the views."""
        for heap in (self.to_window.get(window, []), self.to_staff.get(staff, []) if staff else []):
            for t in self._live(heap):
                yield t
                if t["id"] == until:
                    return
        lanes = {c: (self._live(self.lanes[c][0]), self._live(self.lanes[c][1])) for c in services}
        at = {c: [0, 0] for c in services}
        run = {c: self.run[c] for c in services}
        while True:
            heads = [(c, _at(lanes[c][0], at[c][0]), _at(lanes[c][1], at[c][1])) for c in services]
            got = choose(heads, run, self.n)
            if got is None:
                return
            code, priority = got
            run[code] = 0 if priority else run[code] + 1
            i = 1 if priority else 0
            t = lanes[code][i][at[code][i]]
            at[code][i] += 1
            yield t
            if t["id"] == until:
                return

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


def _at(xs: list, i: int):
    return xs[i] if i < len(xs) else None
