"""The firmware's cost of TLS: each role's heap, RSS and reconnect times, plain and TLS, side by side.

Each role goes through a simulated hall day on emulated boards under `micropython -X heapsize=96K`, once on
the broker's plain listener and once over TLS (hall CA, name checked), with

  heap peak   gc.mem_alloc() at its highest (the MicroPython heap: what -X heapsize bounds)
  RSS peak    the interpreter's VmHWM: mbedTLS takes its buffers with malloc, outside that
              heap, as ESP-IDF's mbedTLS takes them from the IDF heap beside MicroPython's
  reconnect   Wi-Fi back until "online" again, median of the drops (before the day)
  link cut    the broker link cut with the Wi-Fi up (a broker restart, a router's reset)
              after it stood, until "online" again: median of the cuts

A role that runs out of heap is named with its MemoryError instead of a peak.

    hall-bench tls [--rounds N] [--drops N] [--cuts N]

Needs Mosquitto (Debian package)."""
from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paho.mqtt.client as mqtt

from bench.report import last_line
from hil.board.board import HEAPSIZE, Board, BoardError
from hil.board.day import DAYS, HALL, check_healthy, config, hall_day
from hil.board.gateway_stub import GatewayStub
from hil.services.tls_mosquitto import NAME, TlsBroker

STEADY_S = 10.5   # firmware/mqtt.py _STEADY_MS and a little: a link that stood is retried at once


class Availability:
    """When each device's availability messages arrive (a reconnect publishes "online")."""

    def __init__(self, port: int):
        self.seen: dict[str, list[tuple[float, bool]]] = {}
        self._lock = threading.Lock()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"tls-report-{time.monotonic_ns()}")
        c.on_connect = lambda cl, *a: cl.subscribe(f"hall/{HALL}/device/+/availability", 1)
        c.on_message = self._message
        c.connect("127.0.0.1", port)
        c.loop_start()
        self.client = c

    def _message(self, client, userdata, msg) -> None:
        if msg.retain or not msg.payload:
            return
        dev = msg.topic.split("/")[3]
        with self._lock:
            self.seen.setdefault(dev, []).append((time.monotonic(), json.loads(msg.payload).get("online") is True))

    def online_after(self, dev: str, t: float, timeout: float = 30.0) -> float:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                hit = next((at for at, on in self.seen.get(dev, ()) if on and at >= t), None)
            if hit is not None:
                return hit - t
            time.sleep(0.005)
        raise TimeoutError(f"{dev} did not come online")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def rss_peak_kb(b: Board) -> int:
    status = Path(f"/proc/{b._proc.pid}/status").read_text()
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM:")))


def measure(role: str, tls: bool, broker: TlsBroker, gw: GatewayStub, seen: Availability, work: Path,
            rounds: int, drops: int, cuts: int, boards: list) -> dict:
    dev = f"{'tls' if tls else 'plain'}-{role}"
    cfg = config(broker.tls_port if tls else broker.port, dev, role)
    files = {}
    if tls:
        cfg.update(tls_ca="ca.der", tls_name=NAME)
        files = {"ca.der": broker.ca_der()}
    b = Board(role, cfg, work / dev, files=files)
    boards.append(b)
    b.start()
    seen.online_after(dev, time.monotonic() - 30)
    out = {"heap": None, "failed": None, "reconnect": None, "cut": None}
    reconnects, recuts = [], []
    try:
        for _ in range(drops):
            b.wifi(False)
            time.sleep(1.0)  # the device sees its Wi-Fi gone within a tick and drops the link
            t = time.monotonic()
            b.wifi(True)
            reconnects.append(seen.online_after(dev, t))
        out["reconnect"] = statistics.median(reconnects)
        for _ in range(cuts):
            time.sleep(STEADY_S)
            t = time.monotonic()
            b.radio.cut()
            recuts.append(seen.online_after(dev, t))
        out["cut"] = statistics.median(recuts) if recuts else None
        out["heap"] = hall_day(role, b, gw, rounds)
        check_healthy(b)
    except (TimeoutError, AssertionError, BoardError) as e:
        bad = [ln for ln in b.serial if "MemoryError" in ln]
        out["failed"] = (bad[0].strip() if bad else str(e).splitlines()[0])[:100]
    out["rss"] = rss_peak_kb(b) if b._proc and b._proc.poll() is None else 0
    return out


def arguments(p) -> None:
    p.add_argument("--rounds", type=int, default=10, help="customers in the simulated day (10)")
    p.add_argument("--drops", type=int, default=5, help="Wi-Fi drops before the day (5)")
    p.add_argument("--cuts", type=int, default=2, help="broker link cuts with the Wi-Fi up (2)")


def run(args) -> int:
    return measure_all(args.rounds, args.drops, args.cuts)


def measure_all(rounds: int = 10, drops: int = 5, cuts: int = 2) -> int:
    figures = {}
    work = Path(tempfile.mkdtemp(prefix="tls-report-"))
    boards: list[Board] = []
    broker = TlsBroker(work / "broker").start()
    try:
        gw = GatewayStub(HALL, broker.port)
        seen = Availability(broker.port)
        runs = [(role, tls) for role in DAYS for tls in (False, True)]
        with ThreadPoolExecutor(3) as ex:
            got = dict(zip(runs, ex.map(lambda r: measure(*r, broker, gw, seen, work, rounds, drops, cuts, boards),
                                        runs), strict=True))
        print(f"TLS on the device link, each role over a simulated hall day ({rounds} customers, {drops} Wi-Fi "
              f"drops, {cuts} link cuts), micropython -X heapsize={HEAPSIZE}, plain | TLS:")
        def heap(r):
            return f"{r['heap'] / 1024:5.1f}K" if r["failed"] is None else "FAILED"

        def ms(v):
            return "-" if v is None else f"{v * 1000:.0f}"

        for role in DAYS:
            p, t = got[(role, False)], got[(role, True)]
            print(f"  {role:9s} heap peak {heap(p)} | {heap(t)}   RSS peak {p['rss']}K | {t['rss']}K   "
                  f"reconnect median {ms(p['reconnect'])} | {ms(t['reconnect'])} ms, "
                  f"link cut {ms(p['cut'])} | {ms(t['cut'])} ms")
            for r, what in ((p, "plain"), (t, "TLS")):
                if r["failed"]:
                    print(f"    {role} {what}: {r['failed']}")
                tag = f"{role}_{what.lower()}"
                figures[f"{tag}_heap_peak_kb"] = round(r["heap"] / 1024, 1) if r["failed"] is None else "FAILED"
                figures[f"{tag}_reconnect_ms"] = round(r["reconnect"] * 1000) if r["reconnect"] is not None else "-"
        seen.close()
        gw.close()
    finally:
        for b in boards:
            b.stop()
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    last_line(**figures)
    return 1 if "FAILED" in figures.values() else 0
