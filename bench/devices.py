"""Device-plane latency side by side in one run: the bare broker relay round trip, and a device
event -> the new desired state back at the device, for many windows of traffic.

    hall-bench devices --config FILE [--windows N] [--cycles N] [--think S] [--broker mosquitto|embedded|both]"""
from __future__ import annotations

import datetime as dt
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.report import last_line
from gateway.config import ConfigError, load_file


def arguments(p) -> None:
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file (scaled to --windows)")
    p.add_argument("--windows", type=int, default=60, help="windows of traffic (default 60)")
    p.add_argument("--cycles", type=int, default=10, help="service cycles per window (default 10)")
    p.add_argument("--think", type=float, default=2.0,
                   help="mean seconds a clerk pauses between keys, exponential (default 2.0; 0 = saturate)")
    p.add_argument("--relay", type=int, default=2000, help="bare relay round trips (default 2000)")
    p.add_argument("--broker", choices=("mosquitto", "embedded", "both"), default="mosquitto",
                   help="Mosquitto on a free port, the embedded amqtt broker, or both (default mosquitto)")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def line(name: str, xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    return (f"  {name:<60} n={len(ms):<5} p50 {pct(ms, 50):7.2f} ms   p99 {pct(ms, 99):7.2f} ms"
            f"   mean {statistics.fmean(ms):7.2f} ms")


def run(args) -> int:
    from bench.devices_hall import scaled

    logging.basicConfig(level=logging.ERROR)
    try:
        hall = scaled(load_file(args.config), args.windows)
    except (ConfigError, ValueError) as e:
        print(f"bench-devices: {e}", file=sys.stderr)
        return 2
    kinds = ("mosquitto", "embedded") if args.broker == "both" else (args.broker,)
    print(f"bench-devices: {hall.name}, scaled to {len(hall.windows)} windows / {len(hall.devices)} devices; "
          f"{args.cycles} service cycles per window (call_next, start, finish), all windows at once;"
          f" each broker: bare relay, then the gateway with clerks pausing, then saturated")
    figures = {}
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="hallgw-bench-") as tmp:
            with bench_broker(kind, Path(tmp)) as (port, label):
                print(f"{label} on 127.0.0.1:{port}, TCP_NODELAY on every socket")
                relay = _relay(port, args.relay)
                print(line("bare relay: pub -> broker -> sub -> broker -> back", relay))
                for think in ((args.think, 0.0) if args.think > 0 else (0.0,)):
                    display, pad = _gateway(hall, port, Path(tmp) / f"t{think}", args.cycles, think)
                    how = f"clerks pause ~{think:g} s" if think else "no pause: saturated"
                    print(line(f"gateway ({how}): call_next -> display desired", display))
                    print(line(f"gateway ({how}): start/finish -> pad desired", pad))
                    tag = f"{kind}_{'paced' if think else 'saturated'}"
                    figures.update({f"{tag}_display_p50_ms": round(pct(display, 50) * 1000, 2),
                                    f"{tag}_display_p99_ms": round(pct(display, 99) * 1000, 2)})
                figures[f"{kind}_relay_p50_ms"] = round(pct(relay, 50) * 1000, 3)
    last_line(**figures)
    return 0


class bench_broker:
    """A broker on a free loopback port for a benchmark: Mosquitto (TCP_NODELAY) or the embedded amqtt."""

    def __init__(self, kind: str, tmp: Path):
        self.kind, self.tmp = kind, tmp

    def __enter__(self):
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        if self.kind == "embedded":
            from gateway.broker.embedded import EmbeddedBroker
            self.b = EmbeddedBroker("127.0.0.1", self.port).start()
            return self.port, "embedded broker (amqtt)"
        conf = self.tmp / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
                        "max_queued_messages 100000\npersistence false\n")
        self.proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        version = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout.split("\n")[0]
        return self.port, version.strip() or "mosquitto"

    def __exit__(self, *exc):
        if self.kind == "embedded":
            self.b.stop()
        else:
            self.proc.terminate()
            self.proc.wait(10)


def _relay(port: int, n: int) -> list[float]:
    import paho.mqtt.client as mqtt

    from gateway.devices.link import nodelay

    def client(cid):
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cid)
        c.on_socket_open = lambda cl, u, sock: nodelay(sock)
        ready = threading.Event()
        c.on_subscribe = lambda *a: ready.set()
        return c, ready

    echo, echo_ready = client("bench-echo")
    echo.on_message = lambda c, u, m: c.publish("bench/back", m.payload, qos=1)
    echo.on_connect = lambda c, u, f, rc, p: c.subscribe("bench/out", 1)
    src, src_ready = client("bench-src")
    back = threading.Event()
    src.on_message = lambda c, u, m: back.set()
    src.on_connect = lambda c, u, f, rc, p: c.subscribe("bench/back", 1)
    for c in (echo, src):
        c.connect("127.0.0.1", port)
        c.loop_start()
    echo_ready.wait(10)
    src_ready.wait(10)
    out = []
    for i in range(n + 50):
        back.clear()
        t0 = time.perf_counter()
        src.publish("bench/out", b'{"v":1,"seq":%d}' % i, qos=1)
        if not back.wait(5):
            raise TimeoutError("relay message lost")
        if i >= 50:  # warm-up left out
            out.append(time.perf_counter() - t0)
    for c in (echo, src):
        c.disconnect()
        c.loop_stop()
    return out


def _gateway(hall, port: int, tmp: Path, cycles: int, think: float) -> tuple[list[float], list[float]]:
    import multiprocessing

    from bench import devices_sim as benchsim
    from gateway.devices.plane import DevicePlane
    from gateway.runtime import Runtime

    opened = dt.datetime(2026, 9, 14, 10, 0, tzinfo=ZoneInfo(hall.timezone)).timestamp()  # a Monday, open
    t0 = time.monotonic()

    def clock():
        return opened + time.monotonic() - t0

    rt = Runtime(hall, tmp / "rt")
    rt.start_ticker(clock)  # as `hallgw run` does
    plane = DevicePlane(hall, rt, tmp / "dev", "127.0.0.1", port, clock=clock)
    plane.start()
    try:
        for w in hall.windows:
            for _ in range(cycles):
                out = rt.submit({"type": "issue_ticket", "at": clock(), "service": w.services[0]})
                if not out.ok:
                    raise RuntimeError(f"could not issue a ticket: {out.refusal}")
        logins = {w.number: hall.staff_member(w.post_a).login_code for w in hall.windows}
        # The simulated devices run in their own process so they do not share the gateway's GIL.
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        p = ctx.Process(target=benchsim.run_in_queue, args=(q, hall.id, port, logins, cycles, think))
        p.start()
        status, result = q.get(timeout=300)
        p.join(30)
        if status != "ok":
            raise RuntimeError(result)
        return result["display"], result["pad"]
    finally:
        plane.stop()
        rt.close()
