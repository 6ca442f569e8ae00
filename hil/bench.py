"""hall-hil bench: key press on an emulated call pad -> the new number in the
emulated display's pixels, p50 and p99, on a whole hall (all its windows and
devices) at peak hour: a stream of kiosk tickets, and the clerks at every other
window calling, starting and finishing as the measured one is pressed; in the
same run the bare broker relay (paho -> Mosquitto -> paho, QoS 1).

It prints, it does not assert: but a call that never reaches the display
counts at the 10 s it was waited for, and makes the exit status 1."""
from __future__ import annotations

import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from hil.day.check import frame_rows
from hil.day.clock import day_start
from hil.day.plan import rate_per_hour
from hil.hall import SimHall


def register(sub) -> None:
    p = sub.add_parser("bench", help="press-to-display latency and broker relay latency on a whole hall")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--samples", type=int, default=60, help="calls measured (60)")
    p.add_argument("--clerk-seconds", type=float, default=8.0,
                   help="mean seconds between a busy clerk's keys at the other windows (8; 0 = none)")
    p.add_argument("--workdir", metavar="DIR")
    p.set_defaults(func=run)


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


def columns(rows: list[list[int]], width: int) -> str:
    """Each pixel column as one character, so 'panel shows frame at some offset' is a substring test."""
    return "".join(chr(0x100 + sum(rows[y][x] << y for y in range(len(rows)))) for x in range(width))


class Desired:
    """The latest desired state of every display, as the broker delivers it."""

    def __init__(self, hall_id: str, port: int):
        self.latest: dict[str, dict] = {}
        self.c = client(port, self._on)
        self.c.subscribe(f"hall/{hall_id}/device/+/desired", 1)

    def _on(self, cl, ud, m):
        d = json.loads(m.payload)
        if d.get("role") == "display":
            rows = frame_rows(d)
            cols = columns(rows, d["fw"])
            d["_cols"] = cols + cols[:d["pw"]] if d["scroll"] else cols[:d["pw"]]
            self.latest[m.topic.split("/")[3]] = d

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


def measure(sim: SimHall, desired: Desired, window: int) -> float | None:
    g = sim.gateway
    pad, led = sim.board_of(window, "callpad"), sim.board_of(window, "display")
    dev = next(d.id for d in sim.hall.devices_of(window) if d.role == "display")
    settle(sim, window)
    g.post("/api/v1/tickets", {"service": sim.hall.window(window).services[0], "lane": "normal"})
    time.sleep(0.3)
    before = desired.latest.get(dev, {}).get("rev", -1)
    # The emulated press holds the key ~60 ms and returns after ~120 ms; the firmware acts
    # on the leading edge, so watch the display while the press is still going on.
    presser = threading.Thread(target=pad.press, args=("call",))
    t0 = time.perf_counter()
    presser.start()
    end = t0 + 10
    while time.perf_counter() < end:
        d = desired.latest.get(dev)
        if d and d["rev"] > before and d["status"] == "calling":
            px = led.display_pixels()
            if columns(px, d["pw"]) in d["_cols"]:
                ms = (time.perf_counter() - t0) * 1000
                presser.join()
                return ms
        time.sleep(0.001)
    presser.join()
    return None


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
                            g.post("/api/v1/tickets", {"service": w.services[0], "lane": "normal"})
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
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-bench-"))
    sim = SimHall(args.config, workdir, external_broker=True, without=("announcer",))
    hall = sim.hall
    _, start = day_start(hall, hour=9.5)   # the morning rush
    stop = threading.Event()
    try:
        sim.start(gateway=False)
        g = sim.gateway
        g.args += ["--clock-start", repr(start), "--clock-speed", "1", "--clock-real-start", repr(time.time())]
        g.start()
        desired = Desired(hall.id, sim.broker_port)
        staff = {s.id: s for s in hall.staff}
        windows = [w for w in hall.windows if sim.board_of(w.number, "callpad") and sim.board_of(w.number, "display")]
        for i, w in enumerate(windows):
            who = staff.get(w.post_a or "") or hall.staff[i % len(hall.staff)]
            sim.board_of(w.number, "callpad").type(who.login_code)
            sim.board_of(w.number, "callpad").press("ok")
        end = time.monotonic() + 30
        while time.monotonic() < end and any(x["status"] == "closed" for x in g.get("/api/v1/windows")
                                             if x["number"] in {w.number for w in windows}):
            time.sleep(0.2)
        peak = rate_per_hour(9.5, 6.0 * len(hall.windows)) / 3600
        print(f"hall-hil bench: {hall.name}: {len(windows)} windows, {len(sim.boards)} boards, "
              f"kiosk at {peak * 3600:.0f} tickets/h", flush=True)

        def kiosk():
            codes = [s.code for s in hall.services]
            i = 0
            while not stop.wait(1 / peak):
                try:
                    g.post("/api/v1/tickets", {"service": codes[i % len(codes)], "lane": "normal"})
                except OSError:
                    pass
                i += 1
        threading.Thread(target=kiosk, daemon=True).start()
        clerks = Clerks(sim, windows, args.clerk_seconds).start()
        time.sleep(2)
        lat, missed = [], 0
        try:
            for i in range(args.samples):
                n = windows[i % len(windows)].number
                with clerks.locks[n]:
                    ms = measure(sim, desired, n)
                if ms is None:
                    missed += 1
                lat.append(TIMEOUT_MS if ms is None else ms)
        finally:
            clerks.close()
        relay = relay_ms(sim.broker_port)
        rss = g.rss_mb()
        desired.close()
    finally:
        stop.set()
        sim.close()
    print(f"hall-hil bench: {len(lat) - missed}/{args.samples} calls seen on the display"
          + (f", {missed} never (counted at {TIMEOUT_MS / 1000:.0f} s)" if missed else "")
          + f"; the clerks of the other windows pressed {clerks.presses} keys meanwhile; "
          f"relay median {statistics.median(relay):.2f} ms over {len(relay)} messages", flush=True)
    print(f"press_to_display_p50_ms={pct(lat, 0.5):.1f} press_to_display_p99_ms={pct(lat, 0.99):.1f} "
          f"relay_p99_ms={pct(relay, 0.99):.2f} gateway_rss_mb={rss:.0f}", flush=True)
    return 1 if missed else 0
