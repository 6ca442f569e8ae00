"""Key press -> the number in the LED display's pixels with the display's radio awake and in power save.

    hall-bench radio [--config FILE] [--samples N] [--dtim 1,3] [--workdir DIR]

Windows of the hall run on emulated boards (each its call pad and LED display) against the real
gateway, side by side in one run: the first window's display as every mains-powered one runs,
awake (the firmware sets WLAN.PM_NONE), and one more window per DTIM period in --dtim, whose
display is provisioned as a battery one (the hall file's wifi_power_save): its firmware keeps
modem sleep, and the emulated access point (hil/board/powersave.py, beacons every 102.4 ms)
holds what the broker sends it until the DTIM beacon it wakes for. The calls are taken in turn,
one window after the other, on an otherwise quiet hall. Printed per display: press -> pixels,
the part from its desired state at the broker to the pixels, and how long what was sent to it
waited at the access point (on the beacon clock), p50 and p99, against the display's goal
(p99 <= 15 ms from the key to the pixels).

It prints, it does not assert: a call that never reaches the display counts at the 10 s it was
waited for and makes the exit status 1."""
from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench.display import TIMEOUT_MS, measure, pct, start_at_rush
from bench.report import last_line
from gateway.config import load_file
from hil.board.board import ROOT
from hil.board.powersave import BEACON_MS, Beacons
from hil.hall.sim import SimHall

GOAL_P99_MS = 15.0   # key -> pixels (docs/BENCHMARKS.md, "display")


def arguments(p) -> None:
    p.add_argument("--config", default=str(ROOT / "hall_config" / "county.toml"), metavar="FILE",
                   help="hall TOML file with a call pad and a display on enough windows (county.toml)")
    p.add_argument("--samples", type=int, default=40, help="calls measured per display (40)")
    p.add_argument("--dtim", default="1,3", help="DTIM periods of the power-save displays, comma-separated (1,3)")
    p.add_argument("--workdir", metavar="DIR")


def run(args) -> int:
    try:
        dtims = [int(x) for x in args.dtim.split(",") if x.strip()]
        for d in dtims:
            Beacons(dtim=d)
    except ValueError as e:
        print(f"hall-bench radio: --dtim: {e}")
        return 2
    hall = load_file(args.config)
    windows = [w for w in hall.windows if {"callpad", "display"} <= {d.role for d in hall.devices_of(w.number)}]
    cases = [("awake", None)] + [(f"dtim{d}", d) for d in dtims]
    if len(windows) < len(cases):
        print(f"hall-bench radio: {hall.name} has {len(windows)} windows with a call pad and a display; "
              f"{len(cases)} are needed")
        return 2
    windows = windows[:len(cases)]
    led = {w.number: next(d.id for d in hall.devices_of(w.number) if d.role == "display") for w in windows}
    beacons = {led[w.number]: Beacons(dtim=dtim or 1) for w, (_, dtim) in zip(windows, cases, strict=True)}
    asleep = tuple(led[w.number] for w, (_, dtim) in zip(windows, cases, strict=True) if dtim)
    devices = [d.id for w in windows for d in hall.devices_of(w.number) if d.role in ("callpad", "display")]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-bench-radio-"))
    sim = SimHall(args.config, workdir, external_broker=True, without=("announcer",), devices=devices,
                  beacons=beacons, power_save=asleep)
    lat: dict[str, list[float]] = {c: [] for c, _ in cases}
    tail: dict[str, list[float]] = {c: [] for c, _ in cases}
    missed = 0
    try:
        desired = start_at_rush(sim, windows)
        radios = {c: sim.boards[led[w.number]].radio for w, (c, _) in zip(windows, cases, strict=True)}
        print(f"radio: {hall.name}, windows {', '.join(str(w.number) for w in windows)}: the displays' radios "
              + ", ".join(f"{c} (firmware's power save: {r.pm_name})" for c, r in radios.items()), flush=True)
        held0 = {c: r.held for c, r in radios.items()}
        # A clerk's key comes at any moment between two beacons: a random pause before each call, up
        # to the longest DTIM period, keeps the bench's own rhythm from locking onto the beacons'.
        rng, longest = random.Random(26), max(dtims, default=1) * BEACON_MS / 1000
        for _ in range(args.samples):
            for w, (c, _) in zip(windows, cases, strict=True):
                time.sleep(rng.uniform(0, longest))
                ms, _, _, part = measure(sim, desired, w.number)
                if ms is None:
                    missed += 1
                lat[c].append(TIMEOUT_MS if ms is None else ms)
                if part:
                    tail[c].append(part[2])
        # what waited at each access point while measuring (the newest of its waits)
        held = {c: list(r.waits_ms)[len(r.waits_ms) - min(len(r.waits_ms), r.held - held0[c]):]
                for c, r in radios.items()}
        desired.close()
    finally:
        sim.close()
    figures: dict = {}
    for c, dtim in cases:
        xs, w = lat[c], held[c]
        verdict = "meets" if pct(xs, 0.99) <= GOAL_P99_MS else "misses"
        print(f"radio {c:6s}: press -> pixels p50 {pct(xs, 0.5):6.1f} ms, p99 {pct(xs, 0.99):6.1f} ms "
              f"({verdict} the goal p99 <= {GOAL_P99_MS:g} ms); desired state at the broker -> pixels "
              f"p50 {pct(tail[c], 0.5):.1f} / p99 {pct(tail[c], 0.99):.1f} ms; "
              + ("nothing held at the access point" if not w else
                 f"held at the access point for a DTIM beacon (every {(dtim or 1) * BEACON_MS:.1f} ms): "
                 f"{len(w)} messages, p50 {pct(w, 0.5):.1f} / p99 {pct(w, 0.99):.1f} ms"), flush=True)
        figures.update({f"{c}_p50_ms": round(pct(xs, 0.5), 1), f"{c}_p99_ms": round(pct(xs, 0.99), 1)})
    if missed:
        print(f"radio: {missed} calls never reached their display (counted at {TIMEOUT_MS / 1000:.0f} s)")
    last_line(**figures)
    return 1 if missed else 0
