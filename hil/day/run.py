"""hall-hil day: a simulated hall day replayed against the real gateway and
emulated boards. Citizens take tickets at the kiosk (the API) as the seeded plan
says; clerks work the call pads, citizens rate on the evaluators; with --faults
the plan's faults strike. Then the checks of hil/day/check.py; the last line is
`day ok: tickets=N served=M ratings=R faults=F`, or what failed (exit 1)."""
from __future__ import annotations

import argparse
import datetime as dt
import signal
import tempfile
import threading
import time
import urllib.error
import zoneinfo
from pathlib import Path

from gateway.config import load_file
from hil.day import check, faults
from hil.day.clerk import Clerk
from hil.day.clock import day_start
from hil.day.plan import Fault, plan_day
from hil.hall.sim import SimHall

KIOSKS = 3
DRAIN_SECONDS = 20.0   # real seconds the clerks get after closing to empty the queue
FINISH_SECONDS = 30.0  # then, calling nobody new, to finish the citizens at their windows


def register(sub) -> None:
    p = sub.add_parser("day", help="simulate a hall day with clerks, citizens, ratings and faults, then check it")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--hours", type=float, default=8.0, help="simulated hours from 09:00 (8)")
    p.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second (60)")
    p.add_argument("--faults", action="store_true", help="gateway SIGKILL, broker restart, power cycles, "
                   "Wi-Fi loss, duplicated deliveries")
    p.add_argument("--upstream", action="store_true", help="the emulated provincial 好差评 platform takes every "
                   "rating (with --faults: its 5xx, timeouts, cut links, token expiry, slow answers, an hour "
                   "offline); the end compares every stored rating with the platform's records")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--load", type=float, default=1.0, help="citizens per window-hour, relative (1.0)")
    p.add_argument("--workdir", metavar="DIR", help="where store, broker and boards live (default: temp dir)")
    p.set_defaults(func=run)


class Day:
    def __init__(self, args, workdir: Path):
        self.hall = load_file(args.config)
        self.speed = args.speed
        date, start = day_start(self.hall, hour=9.0)
        self.sim_start = start   # the gateway's clock at sim_elapsed() == 0
        self.plan = plan_day(self.hall, date, args.hours, args.seed, args.faults, 9.0, args.load)
        self.real_start = time.time()   # set again when the boards are up
        self.upstream = None
        config = args.config
        if getattr(args, "upstream", False):
            from hil.day.upstream import UpstreamDay
            self.upstream = UpstreamDay(args.config, workdir, self.hall.id)
            config = self.upstream.start()
            self.upstream_faults = args.faults
        self.sim = SimHall(config, workdir, external_broker=True, without=("announcer",),
                           clock=(start, self.speed, self.real_start))
        self.gateway = self.sim.gateway
        self.stopping = threading.Event()
        self.closed = threading.Event()
        self.last_call = threading.Event()
        self.arrivals: dict[str, object] = {}
        self.transferred: set[str] = set()
        self.ratings_sent: dict[str, dict] = {}
        self.faults_done: list[str] = []
        self.tap = None
        self.held: list[str] = []
        self.refused: list[str] = []   # citizens the kiosk turned away
        self.appointment_codes: dict[int, str] = {}  # arrival index -> the code of its booked slot

    # -- simulated time --------------------------------------------------------
    def sim_elapsed(self) -> float:
        return (time.time() - self.real_start) * self.speed

    def sleep_sim(self, seconds: float) -> None:
        self.stopping.wait(seconds / self.speed)

    def wait_until_sim(self, t: float) -> None:
        self.stopping.wait(max(0.0, t / self.speed - (time.time() - self.real_start)))

    def draining(self) -> bool:
        return self.closed.is_set()

    # -- what the runner knows of tickets ------------------------------------
    def arrival_of(self, tid: str | None):
        return self.arrivals.get(tid or "")

    def service_of(self, tid: str, arrival) -> str:
        try:
            return self.gateway.get(f"/api/v1/tickets/{tid}")["service"]
        except (OSError, ValueError):
            return arrival.service

    def transfer_window(self, arrival, here: int) -> int | None:
        if not arrival.transfer_to:
            return None
        for w in self.hall.windows:
            if w.number != here and arrival.transfer_to in w.services and self.sim.board_of(w.number, "callpad"):
                return w.number
        return None

    # -- the actors ----------------------------------------------------------
    def book_appointments(self) -> None:
        """Before the day, the citizens who come by appointment book their half-hour slot at the
        hall; one whose slot the hall cannot take (closed then) comes for a normal number."""
        for i, a in enumerate(self.plan.arrivals):
            if a.lane != "appointment":
                continue
            start = self.sim_start + a.at // 1800 * 1800
            body = {"service": a.service, "start": _iso(start, self.hall.timezone),
                    "end": _iso(start + 1800, self.hall.timezone)}
            try:
                self.appointment_codes[i] = self.gateway.book_appointment(body)["code"]
            except urllib.error.HTTPError as e:
                self.refused.append(f"appointment {a.service} at {a.at / 3600 + 9:05.2f}h: {e.code}")

    def kiosk(self, arrivals) -> None:
        for i, a in arrivals:
            self.wait_until_sim(a.at)
            body = {"service": a.service, "lane": a.lane}
            if a.lane == "appointment":
                code = self.appointment_codes.get(i)
                body = {**body, "appointment_code": code} if code else {**body, "lane": "normal"}
            matters = self.hall.service(a.service).matters
            if matters:  # the citizen picks the matter at the kiosk (事项), as the 好差评 record needs
                body["matter"] = matters[int(a.at) % len(matters)].code
            while not self.stopping.is_set():
                try:
                    t = self.gateway.take_ticket(body)
                    self.arrivals[t["id"]] = a
                    break
                except urllib.error.HTTPError as e:
                    if e.code >= 500:
                        time.sleep(0.2)
                        continue
                    # Refused for good: on a loaded host the kiosk can fall behind the
                    # plan past closing time; the citizen goes home, never retried.
                    self.refused.append(f"{a.service} at {a.at / 3600 + 9:05.2f}h: {e.code} {e.read()[:200]!r}")
                    break
                except OSError:
                    time.sleep(0.2)   # the gateway is restarting: the citizen tries again

    def fault_line(self) -> None:
        for f in self.plan.faults:
            self.wait_until_sim(f.at)
            if self.stopping.is_set():
                return
            what, done = faults.inject(self, f)
            if done:
                self.faults_done.append(what)
            print(f"hall-hil day: {self.sim_elapsed() / 3600 + 9:05.2f}h fault: {what}", flush=True)

    def power_cut(self, *_signal) -> None:
        """SIGUSR1: cut the gateway's power now (hall-hil tiers, while it ships its backlog up)."""
        def cut():
            what, done = faults.inject(self, Fault(at=self.sim_elapsed(), kind="gateway_kill", target=None))
            if done:
                self.faults_done.append(what)
            print(f"hall-hil day: {self.sim_elapsed() / 3600 + 9:05.2f}h fault: {what} (asked for)", flush=True)
        threading.Thread(target=cut, daemon=True).start()

    def run(self) -> tuple[list[str], str]:
        sim, hall = self.sim, self.hall
        signal.signal(signal.SIGUSR1, self.power_cut)
        sim.start(gateway=False)
        self.real_start = time.time()   # the day begins once the boards are up
        sim.gateway.args[sim.gateway.args.index("--clock-real-start") + 1] = repr(self.real_start)
        sim.gateway.start()
        self.tap = faults.Tap(hall.id, sim.broker_port)
        staff = {s.id: s for s in hall.staff}
        clerks = []
        for i, w in enumerate(hall.windows):
            pad = sim.board_of(w.number, "callpad")
            who = staff.get(w.post_a or "") or hall.staff[i % len(hall.staff)]
            if pad is not None:
                clerks.append(Clerk(self, w, pad, sim.board_of(w.number, "evaluator"), who))
        # A hall has several ticket machines: one slow answer does not hold up the next citizen.
        self.book_appointments()
        numbered = list(enumerate(self.plan.arrivals))
        kiosks = [threading.Thread(target=self.kiosk, args=(numbered[i::KIOSKS],), daemon=True)
                  for i in range(KIOSKS)]
        actors = kiosks + [threading.Thread(target=self.fault_line, daemon=True)]
        if self.upstream is not None and self.upstream_faults:
            from hil.day.upstream import fault_thread
            actors.append(fault_thread(self.upstream, self))
        for t in clerks + actors:
            t.start()
        self.wait_until_sim(self.plan.hours * 3600)
        for t in kiosks:
            t.join()
        self.closed.set()
        end = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < end and any(w["status"] in ("calling", "serving") or self._queued()
                                             for w in self._windows()):
            time.sleep(0.5)
        # Last call: the clerks finish the citizen in front of them and call nobody else.
        # Citizens still waiting may stay for the day's rollover, but one left standing at
        # a window after that means a clerk (or a pad) got stuck.
        self.last_call.set()
        end = time.monotonic() + FINISH_SECONDS + self._service_left()
        while time.monotonic() < end and any(w["status"] in ("calling", "serving") for w in self._windows()):
            time.sleep(0.5)
        self.held = [f"window {w['number']} still held {w['ticket_number']} ({w['status']}) after closing"
                     for w in self._windows() if w["status"] in ("calling", "serving") and "number" in w]
        self.stopping.set()
        for t in clerks + actors:
            t.join(30)
        return self.checks(clerks)

    def _service_left(self) -> float:
        """Real seconds until the last citizen at a window is due to be done: a long
        service begun just before closing (lognormal, up to an hour) is not a stuck clerk."""
        left = 0.0
        for w in self._windows():
            a = self.arrival_of(w.get("ticket")) if w["status"] == "serving" else None
            if a is not None and w.get("since"):
                left = max(left, (w["since"] - self.sim_start + a.service_seconds - self.sim_elapsed()) / self.speed)
        return left

    def _windows(self) -> list[dict]:
        try:
            return self.gateway.get("/api/v1/windows")
        except OSError:
            return [{"status": "serving"}]

    def _queued(self) -> bool:
        try:
            q = self.gateway.get("/api/v1/queue")
        except OSError:
            return True
        return bool(sum(q["waiting"].values()) or q["transferred"])

    def checks(self, clerks) -> tuple[list[str], str]:
        bad = [f"clerk at window {c.window.number} failed: {c.error!r}" for c in clerks if c.error]
        bad += self.held
        # Turned away because the kiosk fell behind past closing: the host's doing, said
        # but no failure. Any other refusal of a well-formed ticket is the gateway's.
        late = [r for r in self.refused if "the hall is closed" in r]
        if late:
            print(f"hall-hil day: {len(late)} citizen(s) reached the kiosk only after closing and went home "
                  f"(the kiosks fell behind the plan; first: {late[0]})", flush=True)
        bad += [f"kiosk refused a ticket: {r}" for r in self.refused if r not in late]
        recs = check.records(self.gateway.data_dir / "hall.db")
        b, tickets, served = check.check_outcomes(recs, self.gateway)
        bad += b + check.check_one_window(recs)
        b, ratings = check.check_ratings(recs, self.hall, self.ratings_sent)
        bad += b + check.check_displays(self.sim, self.gateway.get("/api/v1/windows"))
        bad += check.audit_ok(self.gateway.data_dir)
        summary = f"tickets={tickets} served={served} ratings={ratings} faults={len(self.faults_done)}"
        if self.upstream is not None:
            b, up = self.upstream.check(self.gateway.data_dir / "hall.db", self.sim.config, recs, self.gateway)
            bad += b
            summary += f" {up}"
        return bad, summary

    def close(self) -> None:
        self.stopping.set()
        if self.tap:
            self.tap.close()
        self.sim.close()
        if self.upstream is not None:
            self.upstream.close()


def run(args) -> int:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-day-"))
    t0 = time.monotonic()
    day = Day(args, workdir)
    print(f"hall-hil day: {day.hall.name}, {day.plan.date} from 09:00, {args.hours:g} h at x{args.speed:g}: "
          f"{len(day.plan.arrivals)} citizens, {len(day.plan.faults)} faults planned (workdir {workdir})", flush=True)
    try:
        bad, summary = day.run()
    finally:
        day.close()
    took = time.monotonic() - t0
    for line in bad:
        print(f"hall-hil day: FAILED {line}", flush=True)
    if bad:
        print(f"day failed ({len(bad)} problem(s), {took:.0f} s): {bad[0]}", flush=True)
        return 1
    print(f"hall-hil day: took {took:.0f} s", flush=True)
    print(f"day ok: {summary}", flush=True)
    return 0


if __name__ == "__main__":
    import sys
    ap = argparse.ArgumentParser()
    register(ap.add_subparsers())
    a = ap.parse_args(["day"] + sys.argv[1:])
    sys.exit(a.func(a))


def _iso(at: float, tz: str) -> str:
    return dt.datetime.fromtimestamp(at, zoneinfo.ZoneInfo(tz)).isoformat()
