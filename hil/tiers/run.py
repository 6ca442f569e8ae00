"""hall-hil tiers --hours H --speed X [--faults]: a county, a township and a village,
each in its own network namespace with its own gateway, Mosquitto and two emulated
boards running the firmware (hall-hil day, with that day's own faults when --faults),
the county's PostgreSQL; the village ships straight to the township's broker (TLS),
the township's Mosquitto bridges to the county's (TLS). With --faults, besides each
day's faults (gateway SIGKILL, broker restart, power cycles, Wi-Fi loss, events twice):
the county's broker restarted, the village-township link cut for a long time, the
village's power cut as its backlog goes up, the county's database restarted, the
township's broker restarted, the township-county link cut.

After the days every gateway runs once more with only the tiers (hil/tiers/drain.py)
until the county holds everything; then every hall's log is compared with the county's
rows. Last line: `tiers ok: sites=3 records=N delivered=N duplicates_suppressed=K gaps=0
max_lag_s=…` (lag: commit at the site to the county's row), or what failed (exit 1)."""
from __future__ import annotations

import signal
import tempfile
import threading
import time
from pathlib import Path

from hil.tiers import check
from hil.tiers.world import SITES, World

# (fraction of the day, what) — the long cut is a fifth of the day (1.6 h of an 8-hour day)
SCHEDULE = ((0.10, "county_broker"), (0.20, "cut_village"), (0.40, "heal_village"), (0.55, "county_db"),
            (0.68, "township_broker"), (0.78, "cut_township"), (0.84, "heal_township"))


def register(sub) -> None:
    p = sub.add_parser("tiers", help="county, township and village with their gateways, brokers and boards in "
                                      "network namespaces; the county's PostgreSQL; faults; every record compared")
    p.add_argument("--hours", type=float, default=8.0, help="simulated hours from 09:00 (8)")
    p.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second (60)")
    p.add_argument("--faults", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", metavar="DIR", help="default: a temp dir")
    p.set_defaults(func=run)


class Faults:
    def __init__(self, world: World, t0: float):
        self.world, self.t0 = world, t0
        self.done: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def say(self, what: str) -> None:
        w = self.world
        h = 9 + (time.time() - self.t0) * w.speed / 3600
        print(f"hall-hil tiers: {h:05.2f}h {what}", flush=True)
        self.done.append(what)

    def _run(self) -> None:
        w = self.world
        for frac, kind in SCHEDULE:
            at = self.t0 + frac * w.hours * 3600 / w.speed
            if self.stop.wait(max(0.0, at - time.time())):
                return
            try:
                getattr(self, kind)()
            except Exception as e:  # said, and the end's comparison tells whether it mattered
                print(f"hall-hil tiers: fault {kind} not carried out: {e!r}", flush=True)

    def county_broker(self) -> None:
        self.world.stop_broker("county")
        time.sleep(1.0)
        self.world.start_broker("county")
        self.say("the county's broker restarted (the township's parent broker)")

    def cut_village(self) -> None:
        self.world.net.cut(self.world.vt)
        self.say("link village-township cut")

    def heal_village(self) -> None:
        w = self.world
        w.net.cut(w.vt, False)
        # The village's backlog goes up now: cut its power as soon as it is on its way.
        before = check.held_at_township(w, "tier-village")
        end = time.monotonic() + 60
        while time.monotonic() < end and check.held_at_township(w, "tier-village") == before:
            time.sleep(0.02)
        w.power_cut("village")
        self.say(f"link village-township back after {0.2 * w.hours:.1f} h; the village's power cut while its "
                 f"backlog was going up (the township held {before}, then "
                 f"{check.held_at_township(w, 'tier-village')} of its records)")

    def county_db(self) -> None:
        self.world.pg.restart(2.0)
        self.say("the county's PostgreSQL restarted (immediate stop: recovery from its WAL)")

    def township_broker(self) -> None:
        self.world.stop_broker("township")
        time.sleep(1.0)
        self.world.start_broker("township")
        self.say("the township's broker restarted (the village's parent broker, the bridge to the county)")

    def cut_township(self) -> None:
        self.world.net.cut(self.world.tc)
        self.say("link township-county cut")

    def heal_township(self) -> None:
        self.world.net.cut(self.world.tc, False)
        self.say("link township-county back")


def _stopped(signum, _frame):
    # A SIGTERM (a test's time-out, a maintainer's kill) ends the run through its `finally`: the
    # namespaces, brokers, gateways and PostgreSQL go down with it, never left to the next run.
    raise SystemExit(128 + signum)


def run(args) -> int:
    signal.signal(signal.SIGTERM, _stopped)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-tiers-"))
    t_begin = time.monotonic()
    world = World(workdir, args.hours, args.speed, args.faults, args.seed)
    print(f"hall-hil tiers: {args.hours:g} h at x{args.speed:g}{' with faults' if args.faults else ''} "
          f"(workdir {workdir})", flush=True)
    faults = None
    clocks: dict[str, tuple] = {}
    try:
        world.prepare()
        world.start()
        world.start_days()
        end = time.monotonic() + 180
        while len(clocks) < len(SITES) and time.monotonic() < end:
            for s in SITES:
                if s not in clocks and (c := world.gateway_clock(s)) is not None:
                    clocks[s] = c
            if any(p.poll() is not None for p in world.days.values()):
                break
            time.sleep(0.2)
        if len(clocks) < len(SITES):
            for s in SITES:
                print(world.day_log(s)[-1500:], flush=True)
            print(f"tiers failed: the days did not start ({', '.join(s for s in SITES if s not in clocks)})")
            return 1
        t0 = min(c[2] for c in clocks.values())
        print("hall-hil tiers: the three days are running (village, township, county)", flush=True)
        if args.faults:
            faults = Faults(world, t0)
            faults.thread.start()
        limit = args.hours * 3600 / args.speed + 400
        for s, p in world.days.items():
            try:
                p.wait(max(1.0, t0 + limit - time.time()))
            except Exception:
                print(f"hall-hil tiers: the {s}'s day did not end in time", flush=True)
        if faults:
            faults.stop.set()
            faults.thread.join(90)
            world.net.cut(world.vt, False)
            world.net.cut(world.tc, False)
        bad = [f"the {s}'s day: {check.last_line(world.day_log(s))}" for s, p in world.days.items()
               if p.poll() != 0]
        drains = world.drain()
        try:
            check.wait_drained(world, timeout=240)
        finally:
            for p in drains.values():
                p.terminate()
            for p in drains.values():
                p.wait(60)
        result, problems = check.compare(world, clocks)
        bad += problems
        took = time.monotonic() - t_begin
        for s in SITES:
            print(f"hall-hil tiers: {s}: {check.last_line(world.day_log(s))}", flush=True)
        if faults:
            print(f"hall-hil tiers: {len(faults.done)} tier faults carried out", flush=True)
        print(f"hall-hil tiers: took {took:.0f} s", flush=True)
        for line in bad:
            print(f"hall-hil tiers: FAILED {line}", flush=True)
        if bad:
            print(f"tiers failed ({len(bad)} problem(s)): {bad[0]} [{result}]", flush=True)
            return 1
        print(f"tiers ok: {result}", flush=True)
        return 0
    finally:
        if faults:
            faults.stop.set()
        world.close()
