"""Key press on an emulated call pad -> the new number in the display's pixels and on the hall screen.

    hall-bench display --config FILE [--samples N] [--screens N] [--modes full,light] [--workdir DIR]

Key press on an emulated call pad -> the new number in the
emulated display's pixels, and -> the number in the hall screen's DOM (one real
headless Chromium on /screen, beside light SSE readers up to --screens), p50 and
p99, on a whole hall at peak hour: a stream of kiosk tickets, and the clerks at
every other window calling, starting and finishing as the measured one is
pressed; in the same run the bare broker relay (paho -> Mosquitto -> paho, QoS 1).

Two modes, one after the other by default: full (every board of the hall runs
as emulated MicroPython) and light (only the measured window's call pad, display
and evaluator do; the other windows are light simulated devices, bench/display_light.py,
so the figure is the gateway's rather than that of 69 boards sharing the cores).

It prints, it does not assert: but a call that never reaches the display or the
screen counts at the 10 s it was waited for, and makes the exit status 1."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from bench.report import last_line
from gateway.config import load_file
from hil.day.check import frame_rows
from hil.day.clock import day_start
from hil.day.plan import rate_per_hour
from hil.hall.sim import SimHall


def arguments(p) -> None:
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--samples", type=int, default=60, help="calls measured (60)")
    p.add_argument("--clerk-seconds", type=float, default=8.0,
                   help="mean seconds between a busy clerk's keys at the other windows (8; 0 = none)")
    p.add_argument("--screens", type=int, default=100,
                   help="hall screens on the SSE stream: one real Chromium page, the rest light readers (100)")
    p.add_argument("--modes", default="full,light",
                   help="full (every board emulated), light (only the measured window's boards; the other "
                        "windows as light simulated devices in one process), or both in turn (full,light)")
    p.add_argument("--light", dest="modes", action="store_const", const="light", help="same as --modes light")
    p.add_argument("--screen-nice", type=int, default=0, metavar="N",
                   help="run the Chromium page at this nice value (0; 19 = the screen as if on a machine "
                        "of its own, taking only the CPU left over)")
    p.add_argument("--workdir", metavar="DIR")


TIMEOUT_MS = 10000.0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def client(port: int, on_message=None) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"hil-bench-{time.monotonic_ns()}")
    c.on_socket_open = lambda cl, ud, sock: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def relay_ms(port: int, n: int = 300) -> list[float]:
    got: dict[int, float] = {}
    ready = threading.Event()

    def on_message(cl, ud, m):
        got[int(m.payload[:8])] = time.perf_counter()
        if len(got) == n:
            ready.set()
    sub = client(port, on_message)
    sub.subscribe("bench/relay", 1)
    time.sleep(0.5)
    pub = client(port)
    sent = {}
    for i in range(n):
        sent[i] = time.perf_counter()
        pub.publish("bench/relay", b"%08d" % i + b"x" * 200, qos=1)
        time.sleep(0.005)
    ready.wait(10)
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return [(got[i] - sent[i]) * 1000 for i in got]


GATEWAY_TIMES = (("hall_press_to_desired_seconds", "event in -> desired states handed to MQTT"),
                 ("hall_commit_seconds", "of which the commit"))
_GATEWAY_TIME_NAMES = {n for n, _ in GATEWAY_TIMES}


def gateway_times(g) -> dict[str, dict[float, float]]:
    """The gateway's own latency histograms from its /metrics: {name: {le: count, "sum": s}}."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(g.url + "/metrics", timeout=5) as r:
        text = r.read().decode()
    out: dict[str, dict[float, float]] = {}
    for fam in text_string_to_metric_families(text):
        if fam.name in _GATEWAY_TIME_NAMES:
            h = out.setdefault(fam.name, {})
            for smp in fam.samples:
                if smp.name.endswith("_bucket"):
                    h[float(smp.labels["le"])] = smp.value
                elif smp.name.endswith("_sum"):
                    h["sum"] = smp.value
    return out


def gateway_times_line(before: dict, after: dict) -> str:
    """Mean and share under each bucket edge, over what the gateway handled between the two reads
    (every device event: the light windows' too). Buckets, not exact quantiles."""
    parts = []
    for name, label in GATEWAY_TIMES:
        a, b = after.get(name, {}), before.get(name, {})
        n = a.get(float("inf"), 0) - b.get(float("inf"), 0)
        if n <= 0:
            continue
        mean = (a.get("sum", 0) - b.get("sum", 0)) / n * 1000
        shares = ", ".join(f"{(a[le] - b.get(le, 0)) / n:.0%} <= {le * 1000:g}"
                           for le in (0.0025, 0.005, 0.01, 0.025) if le in a)
        parts.append(f"{label}: n={n:.0f} mean {mean:.2f} ms ({shares} ms)")
    return "; ".join(parts)


def columns(rows: list[list[int]], width: int) -> str:
    """Each pixel column as one character, so 'panel shows frame at some offset' is a substring test."""
    return "".join(chr(0x100 + sum(rows[y][x] << y for y in range(len(rows)))) for x in range(width))


class Desired:
    """The latest desired state of every display, as the broker delivers it, and when each
    device's last event and desired state came through the broker (for the breakdown)."""

    def __init__(self, hall_id: str, port: int):
        self.latest: dict[str, dict] = {}
        self.event_at: dict[str, float] = {}
        self.c = client(port, self._on)
        self.c.subscribe([(f"hall/{hall_id}/device/+/desired", 1), (f"hall/{hall_id}/device/+/event", 1)])

    def _on(self, cl, ud, m):
        now = time.perf_counter()
        dev = m.topic.split("/")[3]
        if m.topic.endswith("/event"):
            self.event_at[dev] = now
            return
        d = json.loads(m.payload)
        d["_at"] = now
        if d.get("role") == "display":
            self.latest[dev] = d  # its frame decoded only by the measurement that waits for it

    @staticmethod
    def shown(d: dict) -> str:
        """What the panel shows at some scroll offset, as columns (see columns())."""
        if "_cols" not in d:
            cols = columns(frame_rows(d), d["fw"])
            d["_cols"] = cols + cols[:d["pw"]] if d["scroll"] else cols[:d["pw"]]
        return d["_cols"]

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def settle(sim: SimHall, window: int) -> None:
    """Serve the citizen at the window to the end, off the clock, one step at a time:
    a pad refuses a key while its last one is still on the way (BUSY)."""
    g, pad = sim.gateway, sim.board_of(window, "callpad")

    def status():
        return next(x for x in g.get("/api/v1/windows") if x["number"] == window)["status"]

    for _ in range(10):
        st = status()
        if st == "idle":
            return
        for k in {"calling": ("start",), "serving": ("finish", "1")}.get(st, ()):
            pad.press(k)
        end = time.monotonic() + 3
        while time.monotonic() < end and status() == st:
            time.sleep(0.05)
    raise TimeoutError(f"window {window} did not come back to idle (it is {status()})")


def measure(sim: SimHall, desired: Desired, window: int) -> tuple[float | None, float, str | None, tuple | None]:
    """(ms to the display's pixels or None, time.time() at the press, the number called, and
    the parts in ms: press -> the pad's event through the broker, -> the display's desired
    state through the broker, -> the pixels on the panel)."""
    g = sim.gateway
    pad, led = sim.board_of(window, "callpad"), sim.board_of(window, "display")
    dev = next(d.id for d in sim.hall.devices_of(window) if d.role == "display")
    pad_id = next(d.id for d in sim.hall.devices_of(window) if d.role == "callpad")
    settle(sim, window)
    g.take_ticket({"service": sim.hall.window(window).services[0], "lane": "normal"})
    time.sleep(0.3)
    before = desired.latest.get(dev, {}).get("rev", -1)
    # The emulated press holds the key ~60 ms and returns after ~120 ms; the firmware acts
    # on the leading edge, so watch the display while the press is still going on.
    presser = threading.Thread(target=pad.press, args=("call",))
    t0, wall0 = time.perf_counter(), time.time()
    presser.start()
    end = t0 + 10
    raw = None
    while time.perf_counter() < end:
        d = desired.latest.get(dev)
        if d and d["rev"] > before and d["status"] == "calling" and led.display_raw() != raw:
            raw = led.display_raw()  # decoded only when the panel changed: the poll stays light
            px = led.display_pixels()
            if columns(px, d["pw"]) in Desired.shown(d):
                t1 = time.perf_counter()
                presser.join()
                ev = desired.event_at.get(pad_id, t0)
                parts = ((ev - t0) * 1000, (d["_at"] - ev) * 1000, (t1 - d["_at"]) * 1000) if ev >= t0 else None
                return (t1 - t0) * 1000, wall0, d.get("ticket"), parts
        time.sleep(0.001)
    presser.join()
    return None, wall0, None, None


class Clerks:
    """The other windows at work: each clerk calls (a citizen having just taken a
    ticket, so the queue the measured window draws on is not emptied), starts and
    finishes, with exponential pauses between keys. While a window is measured its
    clerk waits (each window has a lock, held for a step or a measurement)."""

    def __init__(self, sim: SimHall, windows: list, mean_s: float, seed: int = 7):
        import random

        self.sim, self.mean = sim, mean_s
        self.locks = {w.number: threading.Lock() for w in windows}
        self.stop = threading.Event()
        self.presses = 0
        self.threads = [threading.Thread(target=self._clerk, args=(w, random.Random(seed + w.number)),
                                         daemon=True) for w in windows] if mean_s > 0 else []

    def start(self) -> Clerks:
        for t in self.threads:
            t.start()
        return self

    def _clerk(self, w, rng) -> None:
        pad, g = self.sim.board_of(w.number, "callpad"), self.sim.gateway
        steps = [("ticket", "call"), ("start",), ("finish", "1")]
        i = 0
        while not self.stop.wait(rng.expovariate(1 / self.mean)):
            with self.locks[w.number]:
                try:
                    for k in steps[i % 3]:
                        if k == "ticket":
                            g.take_ticket({"service": w.services[0], "lane": "normal"})
                        else:
                            pad.press(k)
                            self.presses += 1
                except Exception:  # a board or the API busy: the clerk just goes on
                    pass
            i += 1

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(5)


def run(args) -> int:
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - {"full", "light"}:
        print(f"hall-bench display: --modes takes full, light or full,light (not {args.modes!r})")
        return 2
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-bench-"))
    worst = 0
    for mode in modes:
        worst = max(worst, run_mode(args, mode, workdir / mode))
    last_line(**FIGURES)
    return worst


FIGURES: dict = {}  # each mode's figures, prefixed with its mode, for the run's key=value line


def start_at_rush(sim: SimHall, windows: list) -> Desired:
    """The boards, then the gateway with its clock at the morning rush (9:30 on the next working
    day), the windows' clerks logged in (waited for, up to 30 s); returns the watch on the
    displays' desired states."""
    _, start = day_start(sim.hall, hour=9.5)
    sim.start(gateway=False)
    g = sim.gateway
    g.args += ["--clock-start", repr(start), "--clock-speed", "1", "--clock-real-start", repr(time.time())]
    g.start()
    desired = Desired(sim.hall.id, sim.broker_port)
    login_all(sim, windows)
    end = time.monotonic() + 30
    while time.monotonic() < end and any(x["status"] == "closed" for x in g.get("/api/v1/windows")
                                         if x["number"] in {w.number for w in windows}):
        time.sleep(0.2)
    return desired


def login_all(sim: SimHall, windows: list) -> None:
    codes = logins(sim.hall)
    for w in windows:
        pad = sim.board_of(w.number, "callpad")
        pad.type(codes[w.number])
        pad.press("ok")


def logins(hall) -> dict[int, str]:
    staff = {s.id: s for s in hall.staff}
    return {w.number: (staff.get(w.post_a or "") or hall.staff[i % len(hall.staff)]).login_code
            for i, w in enumerate(hall.windows)}


class LightWindows:
    """The other windows as light simulated devices in a process of their own."""

    def __init__(self, sim: SimHall, windows: list, think: float):
        import multiprocessing

        from bench import display_light as bench_light

        codes = logins(sim.hall)
        spec = {}
        for w in windows:
            devs = {d.role: d.id for d in sim.hall.devices_of(w.number)}
            if "callpad" in devs:
                spec[w.number] = (devs["callpad"], devs.get("display"), codes[w.number], w.services[0])
        self.n = len(spec)
        ctx = multiprocessing.get_context("spawn")
        self.q, self.stop = ctx.Queue(), ctx.Event()
        self.proc = ctx.Process(target=bench_light.run, daemon=True,
                                args=(sim.hall.id, sim.broker_port, sim.gateway.url, sim.gateway.kiosk_token(), spec,
                                      think, self.stop, self.q))
        self.counts = {"keys": 0, "calls": 0}

    def start(self) -> LightWindows:
        if self.n:
            self.proc.start()
        return self

    def close(self) -> None:
        if not self.n:
            return
        self.stop.set()
        try:
            status, out = self.q.get(timeout=15)
            if status == "ok":
                self.counts = out
            else:
                print(f"hall-bench display: the light devices failed: {out}", flush=True)
        except Exception:
            pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()


def run_mode(args, mode: str, workdir: Path) -> int:
    from bench import display_cpu as bench_cpu
    from bench.display_screen import ScreenPage, ScreensProcess, screen_key

    hall = load_file(args.config)
    devices = None
    if mode == "light":  # the first window with a call pad and a display: its boards only
        measured = next(w for w in hall.windows if {"callpad", "display"} <= {d.role for d in hall.devices_of(w.number)})
        devices = [d.id for d in hall.devices_of(measured.number)]
    sim = SimHall(args.config, workdir, external_broker=True, without=("announcer",), devices=devices)
    stop = threading.Event()
    page = screens = light = None
    lat, scr, parts, missed, scr_missed, stayed, presses = [], [], [], 0, 0, 0, 0
    try:
        windows = [w for w in hall.windows if sim.board_of(w.number, "callpad") and sim.board_of(w.number, "display")]
        desired = start_at_rush(sim, windows)
        g = sim.gateway
        peak = rate_per_hour(9.5, 6.0 * len(hall.windows)) / 3600
        others = [w for w in hall.windows if w not in windows]
        print(f"display mode={mode}: {hall.name}: {len(hall.windows)} windows, {len(sim.boards)} boards"
              + (f", {len(others)} windows as light simulated devices" if mode == "light" else "")
              + f", kiosk at {peak * 3600:.0f} tickets/h, {args.screens} screens"
              + (f" (Chromium at nice {args.screen_nice})" if args.screen_nice else ""), flush=True)
        key = screen_key(g.data_dir)
        if args.screens > 0:
            page = ScreenPage(g.url, key)
            if args.screen_nice:
                bench_cpu.renice("chrom", args.screen_nice)
            screens = ScreensProcess(g.http_port, key, args.screens - 1).start()

        def kiosk():
            codes = [s.code for s in hall.services]
            i = 0
            while not stop.wait(1 / peak):
                try:
                    g.take_ticket({"service": codes[i % len(codes)], "lane": "normal"})
                except OSError:
                    pass
                i += 1
        threading.Thread(target=kiosk, daemon=True).start()
        clerks = Clerks(sim, windows if mode == "full" else [], args.clerk_seconds).start()
        if mode == "light" and args.clerk_seconds > 0:
            light = LightWindows(sim, others, args.clerk_seconds).start()
        time.sleep(2)
        cpu0 = bench_cpu.sample(g.proc.pid)
        times0 = gateway_times(g)
        try:
            for i in range(args.samples):
                n = windows[i % len(windows)].number
                with clerks.locks.get(n) or contextlib.nullcontext():
                    ms, wall0, number, part = measure(sim, desired, n)
                    if part:
                        parts.append(part)
                    if ms is None:
                        missed += 1
                    lat.append(TIMEOUT_MS if ms is None else ms)
                    if page is not None:
                        seen = page.seen_ms(number, n, time.monotonic() + TIMEOUT_MS / 1000) if number else None
                        if seen is None:
                            scr_missed += 1
                        scr.append(TIMEOUT_MS if seen is None else seen - wall0 * 1000)
        finally:
            cpu = bench_cpu.shares(cpu0, bench_cpu.sample(g.proc.pid))
            times = gateway_times_line(times0, gateway_times(g))
            clerks.close()
            if light is not None:
                light.close()
        presses = clerks.presses + (light.counts["keys"] if light else 0)
        if page is not None:
            stayed = int(page.connected()) + screens.result()[0]
        relay = relay_ms(sim.broker_port)
        rss = g.rss_mb()
        desired.close()
    finally:
        stop.set()
        for x in (screens, page):
            if x is not None:
                try:
                    x.close()
                except Exception:
                    pass
        sim.close()
    print(f"display mode={mode}: {len(lat) - missed}/{args.samples} calls seen on the display"
          + (f", {missed} never (counted at {TIMEOUT_MS / 1000:.0f} s)" if missed else "")
          + (f"; {len(scr) - scr_missed}/{len(scr)} on the screen page"
             + (f", {scr_missed} never" if scr_missed else "")
             + f"; {stayed}/{args.screens} screens stayed connected"
             + (f" ({screens.drops} light drops, {screens.events} events read)" if screens else "")
             if page is not None else "")
          + f"; the clerks of the other windows pressed {presses} keys meanwhile; "
          f"relay median {statistics.median(relay):.2f} ms over {len(relay)} messages; "
          f"CPU while measuring (100% = a core of {os.cpu_count()}): {cpu}", flush=True)
    if parts:
        print(f"display mode={mode}: the display's time in parts (p50/p99 ms): "
              + "; ".join(f"{name} {pct([p[i] for p in parts], 0.5):.1f}/{pct([p[i] for p in parts], 0.99):.1f}"
                          for i, name in enumerate(("press -> pad event at the broker",
                                                    "-> display's desired state at the broker",
                                                    "-> pixels on the panel"))), flush=True)
    if times:
        print(f"display mode={mode}: inside the gateway (its /metrics): {times}", flush=True)
    (workdir / "samples.json").write_text(json.dumps({"press_to_display_ms": lat, "press_to_screen_ms": scr,
                                                      "display_parts_ms": parts}))
    FIGURES.update({f"{mode}_press_to_display_p50_ms": round(pct(lat, 0.5), 1),
                    f"{mode}_press_to_display_p99_ms": round(pct(lat, 0.99), 1)})
    if page is not None:
        FIGURES.update({f"{mode}_press_to_screen_p50_ms": round(pct(scr, 0.5), 1),
                        f"{mode}_press_to_screen_p99_ms": round(pct(scr, 0.99), 1), f"{mode}_screens": stayed})
    FIGURES.update({f"{mode}_relay_p99_ms": round(pct(relay, 0.99), 2), f"{mode}_gateway_rss_mb": round(rss)})
    return 1 if missed or scr_missed else 0
