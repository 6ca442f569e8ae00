"""A call -> the first audio sample handed to the player, along ever longer paths.

    hall-bench voice --config FILE [--calls N] [--voice-dir DIR]

The paths:
an engine event delivered to the announcer, call_next submitted to the runtime
(SQLite commit), and a call pad's call_next key event over MQTT through the
device plane.

Warm clip cache, the real announcer queue and worker thread, a player that
notes when the first chunk arrives and discards the sound (so each run
measures the path to the speaker, not the length of the announcement).
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from gateway.audio.players import AlsaPlayer
from gateway.engine import Engine


class ProbePlayer:
    """Notes when the player pulls the first chunk; inner (e.g. aplay) plays it, else it is discarded."""

    def __init__(self, inner=None):
        self.inner = inner
        self.first: float | None = None
        self.got = threading.Event()

    def _noted(self, chunks):
        for c in chunks:
            if self.first is None:
                self.first = time.perf_counter()
                self.got.set()
            yield c

    def play(self, chunks, rate: int) -> None:
        if self.inner is not None:
            self.inner.play(self._noted(chunks), rate)
        else:
            for _ in self._noted(chunks):
                pass


class _EventsOnly:
    """Stands in for the runtime when only the event-delivery path is measured: events go
    straight to the announcer; its reads (the speaker's alert) see a fresh engine of the hall."""

    def __init__(self, hall):
        self.hall = hall
        self.callbacks = []
        self.engine = Engine(hall)

    def read(self, fn):
        return fn(self.engine)

    def subscribe(self, cb):
        self.callbacks.append(cb)


FIGURES: dict = {}  # the last run's p50/p99 per path, for its key=value line


def _stats(name: str, samples: list[float], key: str) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    FIGURES[f"{key}_p50_ms"], FIGURES[f"{key}_p99_ms"] = round(statistics.median(ms), 3), round(p99, 3)
    return (f"{name}: n={len(ms)} p50={statistics.median(ms):.3f} ms p99={p99:.3f} ms "
            f"max={ms[-1]:.3f} ms (target p99 < 50 ms)")


def _day_clock(hall):
    """A clock fixed at 10:00 hall time today, outside any quiet hours of the example halls."""
    import zoneinfo
    t = dt.datetime.combine(dt.date.today(), dt.time(10, 0), zoneinfo.ZoneInfo(hall.timezone)).timestamp()
    return lambda: t


def _measure(ext, probe, trigger, calls: int, before=None, after=None) -> list[float]:
    out = []
    for i in range(calls):
        if before:
            before()
        probe.first = None
        probe.got.clear()
        t0 = time.perf_counter()
        trigger(i)
        if not probe.got.wait(10):
            raise RuntimeError(f"call {i} produced no audio")
        out.append(probe.first - t0)
        ext.announcer.idle(10)
        if after:
            after()
    return out


def arguments(p) -> None:
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--voice-dir", metavar="DIR", help="the voice packs (default: built ones)")


def run(args) -> int:
    from bench.report import last_line
    from gateway.audio import AudioError
    from gateway.config import load_or_report

    hall = load_or_report(args.config)
    if hall is None:
        return 2
    try:
        for text in lines(hall, args.calls, Path(args.voice_dir) if args.voice_dir else None):
            print(text, flush=True)
    except AudioError as e:
        print(f"hall-bench voice: {e}", file=sys.stderr)
        return 2
    last_line(**FIGURES)
    return 0


def lines(hall, calls: int = 300, voice_root: Path | None = None):
    from gateway.extensions import announcer as ext_mod

    rng = random.Random(7)
    windows = [w.number for w in hall.windows]
    prefixes = [s.prefix for s in hall.services]
    probe = ProbePlayer()
    opts = {"voice_dir": voice_root, "audio_player": probe, "audio_clock": _day_clock(hall),
            "amp_pin_factory": MockFactory()}
    rt = _EventsOnly(hall)
    ext = ext_mod.create(rt, opts)
    if ext is None:
        yield f"{hall.source}: audio is disabled"
        return
    ext.start()
    try:
        cb = rt.callbacks[0]

        def deliver(i):
            cb([{"type": "ticket_called", "number": f"{rng.choice(prefixes)}{i % 1000:03d}",
                 "window": rng.choice(windows), "recall": 0, "at": 0.0}])

        yield _stats("engine event delivered -> first PCM to player", _measure(ext, probe, deliver, calls), "event")
        if shutil.which("aplay"):
            # the real ALSA backend: one aplay process per announcement, on ALSA's null device
            probe.inner = AlsaPlayer("null")
            yield _stats("engine event delivered -> first PCM written to aplay (-D null)",
                         _measure(ext, probe, deliver, max(1, calls // 3)), "aplay")
            probe.inner = None
        v = ext.announcer.voice
        percent = v.volume(opts["audio_clock"]())
        t = time.perf_counter()
        pcm = v.render(f"{prefixes[0]}012", windows[0], percent)
        yield (f"whole announcement {prefixes[0]}012 -> window {windows[0]} joined at {percent} %: "
               f"{(time.perf_counter() - t) * 1000:.3f} ms "
               f"for {len(pcm) / 32000:.2f} s of audio")
    finally:
        ext.stop()
    yield from _runtime_path(hall, calls, opts)


def _runtime_path(hall, calls, opts):
    from gateway.extensions import announcer as ext_mod
    from gateway.runtime import Runtime
    from hil.day.window_driver import Driver

    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(hall, Path(tmp))
        probe = ProbePlayer()
        ext = ext_mod.create(rt, {**opts, "audio_player": probe})
        ext.start()
        try:
            d = Driver(rt, hall)
            yield _stats("runtime.submit(call_next) -> first PCM to player",
                         _measure(ext, probe, lambda i: d.call_next(), calls, before=d.issue, after=d.finish), "runtime")
        finally:
            ext.stop()
            rt.close()
    yield from _callpad_path(hall, calls, opts)


def _callpad_path(hall, calls, opts):
    """The whole gateway path: a call pad's call_next event over MQTT (Mosquitto,
    TCP_NODELAY) -> device plane -> engine, committed -> announcer -> player."""
    if not shutil.which("mosquitto") and not Path("/usr/sbin/mosquitto").exists():
        yield "call pad key (MQTT) -> first PCM: skipped, mosquitto is not installed"
        return
    import zoneinfo

    from bench.devices import bench_broker
    from gateway.devices.client import DeviceClient
    from gateway.devices.plane import DevicePlane
    from gateway.extensions import announcer as ext_mod
    from gateway.runtime import Runtime
    from hil.day.window_driver import START

    pad = next(d for d in hall.devices if d.role == "callpad")
    w = hall.window(pad.window)
    code = hall.staff_member(w.post_a or hall.staff[0].id).login_code
    t_open, t0 = START.replace(tzinfo=zoneinfo.ZoneInfo(hall.timezone)).timestamp(), time.monotonic()

    def clock():  # a working day's 10:00 in the hall, running on
        return t_open + time.monotonic() - t0

    with tempfile.TemporaryDirectory() as tmp, bench_broker("mosquitto", Path(tmp)) as (port, label):
        rt = Runtime(hall, Path(tmp) / "rt")
        probe = ProbePlayer()
        ext = ext_mod.create(rt, {**opts, "audio_player": probe, "audio_clock": clock})
        ext.start()
        plane = DevicePlane(hall, rt, Path(tmp) / "dev", "127.0.0.1", port, clock=clock)
        plane.start()
        end = time.monotonic() + 10
        while not plane.link.connected and time.monotonic() < end:  # else the first key finds no gateway
            time.sleep(0.01)
        client = DeviceClient(hall.id, pad.id, "127.0.0.1", port)
        try:
            client.action("login", staff=code)
            client.wait(lambda d: d.get("logged_in"), 10)

            def issue():
                out = rt.submit({"type": "issue_ticket", "at": clock(), "service": w.services[0]})
                if not out.ok:
                    raise RuntimeError(f"could not issue a ticket: {out.refusal}")

            def serve():
                client.action("start")
                client.wait(lambda d: d.get("tstate") == "serving", 10)
                client.action("finish", case="immediate")
                client.wait(lambda d: d.get("tstate") == "", 10)

            yield _stats(f"call pad {pad.id} call_next over {label.split(' on ')[0]} -> first PCM to player",
                         _measure(ext, probe, lambda i: client.action("call_next"), calls,
                                  before=issue, after=serve), "callpad")
        finally:
            client.close()
            plane.stop()
            ext.stop()
            rt.close()
