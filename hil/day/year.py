"""Simulated hall days (weeks, a year) through the engine alone, written as a real command
log: the reports' tests and `hall-bench reports` need months of a hall in seconds.

Who comes when, for what, how long each service takes and how they rate is hil/day/plan.py's
seeded plan (the same generator as `hall-hil day`); here clerks answer it at the engine's
own pace: log in at opening (post A, now and then B covering, now and then late), call, start,
finish with a case type, invite a rating, transfer, mark no-shows, pause with a reason, log
out at closing (some forget). 差评 are followed up on later working days, some left to go
overdue; some citizens rate the next day by their ticket's code (补充评价).

The log is the one a gateway writes (gateway/store: the same records and audit chain, a
snapshot at the end), only committed in large transactions, so it opens in `hallgw run`."""
from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import random
from pathlib import Path

from gateway.config.model import Hall, Staff, Window
from gateway.engine import Engine
from gateway.engine.calendar import HallCalendar
from gateway.engine.commands import CASE_TYPES, SUP_ALPHABET
from gateway.store import CommandLog, canonical
from gateway.store.audit import chain
from hil.day.plan import LEVEL_WEIGHTS, plan_day, rate_per_hour

CASE_WEIGHTS = (80, 10, 4, 3, 3)  # 即办件 .. 退办件, as the hall-day clerks press them
TICK_S = 60.0
SUPERVISORS = ("zr01", "zr02")  # who acts on 差评 follow-ups (never the rated clerk)


def year_hall(hall: Hall, windows: int) -> Hall:
    """The hall with `windows` windows: a third comprehensive (all services), the rest each
    for one service, every window with an A and a B post of its own."""
    codes = [s.code for s in hall.services]
    ws, staff = [], []
    for n in range(1, windows + 1):
        a, b = f"y{n:03d}a", f"y{n:03d}b"
        if n <= max(1, windows // 3):
            ws.append(Window(n, f"{n}号 综合受理", "comprehensive", tuple(codes), hall.windows[0].panel, a, b))
        else:
            svc = hall.service(codes[n % len(codes)])
            ws.append(Window(n, f"{n}号 {svc.name}"[:12], "dedicated", (svc.code,), hall.windows[0].panel, a, b))
        staff += [Staff(a, f"甲{n}", f"7{n:03d}"), Staff(b, f"乙{n}", f"8{n:03d}")]
    return dataclasses.replace(hall, id=f"{hall.id}-y{windows}"[:32], windows=tuple(ws), devices=(),
                               staff=tuple(staff), _index={})


def load_for(hall: Hall, tickets_per_day: float, hours: float = 8.0, start_hour: float = 9.0) -> float:
    """plan_day's load that gives about this many tickets in a day of `hours`."""
    base = 6.0 * len(hall.windows)
    per_load = sum(rate_per_hour(start_hour + (i + 0.5) / 10, base) for i in range(int(hours * 10))) / 10
    return tickets_per_day / per_load


class LogWriter:
    """Appends records as gateway/store's CommandLog does (record, prev, hash, head), many per
    transaction and without fsync: a generated log, not a hall's."""

    def __init__(self, path: str | Path, hall_id: str, batch: int = 20000):
        self.log = CommandLog(path, hall_id)
        self.log.conn.execute("PRAGMA synchronous=OFF")
        self.batch, self.rows = batch, []

    def __call__(self, cmd: dict, outcome: dict) -> None:
        seq = self.log.seq + 1
        record = canonical({"seq": seq, "cmd": cmd, "outcome": outcome})
        digest = chain(self.log.head, record)
        self.rows.append((seq, record, self.log.head, digest))
        self.log.seq, self.log.head = seq, digest
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        c = self.log.conn
        c.execute("BEGIN")
        c.executemany("INSERT INTO commands VALUES (?, ?, ?, ?)", self.rows)
        c.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (f"{self.log.seq}:{self.log.head}",))
        c.execute("COMMIT")
        self.rows = []

    def close(self, engine: Engine | None = None) -> None:
        self.flush()
        if engine is not None:
            self.log.save_snapshot(engine.snapshot())
        self.log.close()


class HallDays:
    """Drives one engine through days; `sink(cmd, outcome)` gets what a Runtime would log."""

    def __init__(self, hall: Hall, sink, seed: int = 1, load: float = 1.0):
        self.hall, self.sink, self.seed, self.load = hall, sink, seed, load
        self.eng = Engine(hall)
        self.cal = HallCalendar(hall)
        self.rng = random.Random(seed)
        self.heap: list = []
        self.order = 0
        self.arrival: dict[str, object] = {}  # ticket id -> its plan's arrival
        self.booked = 0  # appointment codes handed out (预约)
        self.codes: dict[str, tuple[str, object]] = {}  # ticket id -> (sup code, arrival), served unrated
        self.want: set[int] = set()  # idle windows that found nobody waiting
        self.close_at = 0.0
        self.records = 0
        self.code_of = {s.id: s.login_code for s in hall.staff}

    # -- plumbing ---------------------------------------------------------------------------
    def submit(self, cmd: dict):
        out = self.eng.handle(cmd)
        if cmd["type"] == "tick" and not out.events:
            return out  # as the Runtime: a tick that changes nothing is not logged
        self.sink(cmd, out.to_dict())
        self.records += 1
        for ev in out.events:
            if ev["type"] == "followup_created":
                self._follow_up(ev)
        return out

    def at(self, t: float, fn, *args) -> None:
        self.order += 1
        heapq.heappush(self.heap, (t, self.order, fn, args))

    def run(self, first: dt.date, days: int) -> None:
        for i in range(days):
            d = first + dt.timedelta(days=i)
            self.plan(d, i)
            end = self.cal.day_begins(d + dt.timedelta(days=1))
            while self.heap and self.heap[0][0] < end:
                t, _, fn, args = heapq.heappop(self.heap)
                fn(t, *args)

    def _next_open(self, d: dt.date, fraction: float) -> float:
        for _ in range(30):
            spans = self.cal.spans(d)
            if spans:
                s, e = spans[0][0], spans[-1][1]
                return s + fraction * (e - s)
            d += dt.timedelta(days=1)
        return self.cal.day_begins(d)

    # -- a day ------------------------------------------------------------------------------
    def plan(self, d: dt.date, i: int) -> None:
        spans = self.cal.spans(d)
        if not spans:
            return
        rng = self.rng
        open_at, self.close_at = spans[0][0], spans[-1][1]
        start_hour = (open_at - self.cal.day_begins(d)) / 3600
        p = plan_day(self.hall, d, (self.close_at - open_at) / 3600, seed=self.seed * 1000 + i,
                     start_hour=start_hour, load=self.load)
        for w in self.hall.windows:
            if self.eng.windows[w.number]["staff"]:  # left logged in last night
                self.at(open_at - 3600 + rng.uniform(0, 600), self.logout_if_idle, w.number)
            u = rng.random()
            who = w.post_b if u < 0.06 else w.post_a
            if u > 0.98 or who is None:
                continue  # nobody came: an empty post
            late = rng.uniform(600, 1800) if u > 0.95 else rng.uniform(-900, 0)
            self.at(open_at + late, self.login, w.number, who)
        t = open_at
        while t < self.close_at + 1800:
            self.at(t, self.tick)
            t += TICK_S
        for a in p.arrivals:
            when = open_at + a.at
            if any(s <= when < e for s, e in spans):
                self.at(when, self.issue, a)
        for at_s, window, reason, secs in p.pauses:
            self.at(open_at + at_s, self.pause, window, reason, secs, 5)
        self.at(self.close_at + 300, self.closing)
        for tid, (code, a) in list(self.codes.items()):  # 补充评价 on a later day by the ticket's code
            if rng.random() < 0.15:
                self.at(self._next_open(d, rng.uniform(0.05, 0.9)), self.rate_by_code, code, tid, a)
            del self.codes[tid]

    def tick(self, t):
        self.submit({"type": "tick", "at": t})

    def login(self, t, n, staff):
        out = self.submit({"type": "login", "at": t, "window": n, "staff_code": self.code_of[staff]})
        if out.ok:
            self.at(t + 5, self.try_call, n)

    def logout_if_idle(self, t, n):
        w = self.eng.windows[n]
        if w["staff"] and w["ticket"] is None:
            if w["status"] == "paused":
                self.submit({"type": "resume", "at": t, "window": n})
            self.submit({"type": "logout", "at": t + 1, "window": n})

    def closing(self, t):
        for n, w in self.eng.windows.items():
            if w["staff"] and w["ticket"] is None and self.rng.random() > 0.03:  # a few forget
                self.logout_if_idle(t + self.rng.uniform(0, 600), n)

    def issue(self, t, a):
        cmd = {"type": "issue_ticket", "at": t, "service": a.service, "lane": a.lane}
        if a.lane == "appointment":  # booked at the hall earlier that day for the half hour it comes in
            self.booked += 1
            code, start = f"{self.booked:06d}", t // 1800 * 1800
            booked = self.submit({"type": "book_appointment", "at": t - 1, "code": code, "service": a.service,
                                  "start": start, "end": start + 1800})
            cmd.update({"appointment_code": code} if booked.ok else {"lane": "normal"})
        matters = self.hall.service(a.service).matters
        if matters:  # the citizen picks the matter (事项) at the kiosk, as in hil/day/run.py
            cmd["matter"] = matters[int(t) % len(matters)].code
        if self.rng.random() < 0.3:
            cmd["sup_code"] = "".join(self.rng.choice(SUP_ALPHABET) for _ in range(8))
        out = self.submit(cmd)
        if not out.ok:
            return
        tid = out.result["id"]
        self.arrival[tid] = a
        u = self.rng.random()
        if u < 0.004:  # the kiosk's printer failed: taken back at once
            self.submit({"type": "void_ticket", "at": t + 1, "ticket": tid, "reason": "缺纸"})
            return
        if u < 0.015:
            self.at(t + self.rng.uniform(300, 1500), self.cancel, tid)
        self.wake(t, a.service)

    def wake(self, t, service):
        """One idle window that serves it presses call next (not all of them at once)."""
        free = sorted(n for n in self.want if service in self.eng.win_cfg[n].services)
        if free:
            n = self.rng.choice(free)
            self.want.discard(n)
            self.at(t + self.rng.uniform(1, 15), self.try_call, n)

    def cancel(self, t, tid):
        tk = self.eng.tickets.get(tid)
        if tk is not None and tk["state"] == "waiting":
            self.submit({"type": "cancel_ticket", "at": t, "ticket": tid})

    # -- a window's work --------------------------------------------------------------------
    def try_call(self, t, n):
        w = self.eng.windows[n]
        if not w["staff"] or w["status"] != "idle":
            return
        if t >= self.close_at:
            self.logout_if_idle(t, n)
            return
        out = self.submit({"type": "call_next", "at": t, "window": n})
        if not out.ok:
            self.want.add(n)
            return
        a = self.arrival.get(out.result["id"])
        if a is not None and a.no_show:
            for k in range(self.hall.queue.recall_limit + 1):  # recalls, then the press that makes the no-show
                self.at(t + 60 * (k + 1), self.recall, n, out.result["id"])
        else:
            self.at(t + self.rng.uniform(15, 120), self.start, n, a)

    def recall(self, t, n, tid):
        if self.eng.windows[n]["ticket"] == tid:
            out = self.submit({"type": "recall", "at": t, "window": n})
            if out.ok and self.eng.windows[n]["ticket"] is None:
                self.at(t + 5, self.try_call, n)

    def start(self, t, n, a):
        self.submit({"type": "start", "at": t, "window": n})
        tid = self.eng.windows[n]["ticket"]
        took = a.service_seconds if a is not None else 300.0
        if a is not None and a.transfer_to and not self.eng.tickets[tid]["transfers"]:
            self.at(t + took / 3, self.transfer, n, a.transfer_to)
        else:
            self.at(t + took, self.finish, n, tid, a)

    def transfer(self, t, n, to):
        out = self.submit({"type": "transfer", "at": t, "window": n, "to_service": to})
        self.at(t + 10, self.try_call, n)
        if out.ok:
            self.wake(t, to)

    def finish(self, t, n, tid, a):
        case = self.rng.choices(CASE_TYPES, CASE_WEIGHTS)[0]
        out = self.submit({"type": "finish", "at": t, "window": n, "case_type": case})
        if not out.ok:
            return
        self.at(t + 2, self.invite, n, tid, a)

    def invite(self, t, n, tid, a):
        out = self.submit({"type": "request_evaluation", "at": t, "window": n})
        if out.ok and a is not None and a.rating is not None:
            self.at(t + self.rng.uniform(3, 25), self.rate, n, out.result["prompt"], a)
            self.at(t + 30, self.try_call, n)
        else:
            code = self.eng.tickets[tid].get("sup_code") if tid in self.eng.tickets else None
            if code and a is not None:
                self.codes[tid] = (code, a)
            self.at(t + self.rng.uniform(5, 40), self.try_call, n)

    def rate(self, t, n, prompt, a):
        self.submit({"type": "rate", "at": t, "window": n, "prompt": prompt, "level": a.rating,
                     "reasons": list(a.reasons)})

    def rate_by_code(self, t, code, tid, a):
        level = self.rng.choices([lv for lv, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS])[0]
        cmd = {"type": "rate_supplementary", "at": t, "code": code, "level": level}
        if level <= 2:
            cmd["reasons"] = [self.hall.evaluation.reasons[0].code]
        self.submit(cmd)

    def pause(self, t, n, reason, secs, tries):
        w = self.eng.windows[n]
        if w["staff"] and w["status"] == "idle" and t < self.close_at:
            self.want.discard(n)
            out = self.submit({"type": "pause", "at": t, "window": n, "reason": reason})
            if out.ok:
                self.at(t + secs, self.resume, n)
        elif tries > 0 and t < self.close_at:
            self.at(t + 60, self.pause, n, reason, secs, tries - 1)

    def resume(self, t, n):
        if self.eng.windows[n]["status"] == "paused":
            self.submit({"type": "resume", "at": t, "window": n})
            self.at(t + 3, self.try_call, n)

    # -- 差评 follow-ups ----------------------------------------------------------------------
    def _follow_up(self, ev):
        rng, fid = self.rng, ev["id"]
        day = self.cal.service_day(ev["at"])
        u = rng.random()
        if u < 0.2:
            return  # left alone: it goes overdue
        nxt = self._next_open(day + dt.timedelta(days=1), rng.uniform(0.1, 0.8))
        if u < 0.3:
            self.at(nxt, self.followup, fid, "request_invalid", SUPERVISORS[0], "评价人误操作")
            self.at(nxt + 3600, self.followup, fid, "approve", SUPERVISORS[1], None)
            return
        self.at(nxt, self.followup, fid, "callback", SUPERVISORS[0], None, "reached")
        self.at(nxt + 60, self.followup, fid, "start", SUPERVISORS[0], None)
        if u < 0.9:
            done = self._next_open(day + dt.timedelta(days=rng.randint(2, 12)), rng.uniform(0.1, 0.8))
            self.at(done, self.followup, fid, "complete", SUPERVISORS[0], "已整改并回访")

    def followup(self, t, fid, action, by, note, result=None):
        cmd = {"type": "followup", "at": t, "id": fid, "action": action, "by": by}
        if note:
            cmd["note"] = note
        if result:
            cmd["result"] = result
        if action in ("approve", "reject"):
            cmd["role"] = "supervisor"
        self.submit(cmd)


def write_days(hall: Hall, db: str | Path, first: dt.date, days: int, seed: int = 1,
               tickets_per_day: float | None = None, load: float = 1.0) -> HallDays:
    """The simulated days' log into `db` (a hall.db); -> the simulation (engine, records)."""
    if tickets_per_day is not None:
        load = load_for(hall, tickets_per_day)
    writer = LogWriter(db, hall.id)
    sim = HallDays(hall, writer, seed, load)
    try:
        sim.run(first, days)
    finally:
        writer.close(sim.eng)
    return sim
