"""Idle connections flooding the gateway: what it holds, and how fast the kiosk is served.

    hall-bench conns [--config FILE] [--flood N] [--nofile N] [--hold S] [--checkout DIR]

Starts `hallgw run` on the hall file (village by default; its clock at 10:00 of a working day)
with RLIMIT_NOFILE set as its systemd unit sets it (LimitNOFILE; --nofile for another, 1024 for
a Pi's default), opens --flood idle TCP connections to its HTTP port (they never send a byte),
and while they are held: takes tickets through the kiosk's route, opens a hall screen's stream,
asks for the day's report, each with a client time-out of a second, and measures the process.
After --hold seconds the flood is closed and a last ticket taken. --checkout runs another
checkout's gateway the same way (e.g. `git archive` of an older commit, for before and after).

Figures: connections the gateway held (its sockets beyond those before the flood), its open
descriptors, the kiosk's time under the flood (median and worst of the answered, how many
answered within the second), the screen's first event, the report, the log bytes written from
the flood's start to its end, RSS before and under the flood."""
from __future__ import annotations

import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.report import last_line

ROOT = Path(__file__).resolve().parents[1]
SERVED_S = 1.0
GUARD_S = 120.0
TICKET = {"village": {"service": "ZH", "matter": "330681-CZ-001"}}


def arguments(ap) -> None:
    ap.add_argument("--config", default=str(ROOT / "hall_config" / "village.toml"), metavar="FILE")
    ap.add_argument("--flood", type=int, default=2000, metavar="N", help="idle connections (2000)")
    ap.add_argument("--nofile", type=int, default=None, metavar="N",
                    help="the gateway's open-file limit (default: its unit's LimitNOFILE)")
    ap.add_argument("--hold", type=float, default=12.0, metavar="S", help="seconds the flood is held (12)")
    ap.add_argument("--tickets", type=int, default=10, metavar="N", help="tickets taken under the flood (10)")
    ap.add_argument("--checkout", metavar="DIR", help="run this checkout's gateway (default: this one)")
    ap.add_argument("--workdir", metavar="DIR")


def unit_nofile() -> int:
    from gateway.install import units
    return int(re.search(r"^LimitNOFILE=(\d+)$", units.gateway_unit(units.Paths(), True), re.M).group(1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hall:
    """The gateway process and its HTTP answers, each timed."""

    def __init__(self, args, work: Path):
        from gateway.config import load_file
        from hil.day.clock import day_start

        self.config = Path(args.config).resolve()
        _, start = day_start(load_file(self.config), 10)
        self.work, self.port = work, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / "gateway.log"
        checkout = Path(args.checkout).resolve() if args.checkout else ROOT
        cmd = ["prlimit", f"--nofile={args.nofile}:{args.nofile}", "--", sys.executable, "-m", "gateway.cli", "run",
               "--config", str(self.config), "--data-dir", str(work), "--http-port", str(self.port),
               "--broker-port", str(free_port()), "--broker-tls-port", str(free_port()),
               "--clock-start", repr(start), "--clock-real-start", repr(time.time())]
        env = dict(os.environ, PYTHONPATH=str(checkout))
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.ticket = TICKET.get(self.config.stem, {"service": "ZH"})

    def call(self, path: str, timeout: float = SERVED_S, body: dict | None = None,
             token: str | None = None) -> tuple[int | str, float]:
        headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        req = urllib.request.Request(self.url + path, None if body is None else json.dumps(body).encode(), headers)
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                r.read()
                return r.status, time.perf_counter() - t0
        except urllib.error.HTTPError as e:
            return e.code, time.perf_counter() - t0
        except OSError as e:
            return type(e).__name__, time.perf_counter() - t0

    def token(self, name: str) -> str:
        return (self.work / f"{name}_token").read_text().strip()

    def take_ticket(self) -> tuple[int | str, float]:
        return self.call("/api/v1/kiosk/tickets", body=self.ticket, token=self.token("kiosk"))

    def report(self) -> tuple[int | str, float]:
        return self.call("/api/v1/reports?period=day", token=self.token("supervisor"), timeout=5.0)

    def screen(self) -> tuple[bool, float]:
        """A screen's stream opened: its first event within the second?"""
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/stream/screen?key={self.token('screen')}",
                                        timeout=SERVED_S) as r:
                while not (line := r.readline()).startswith(b"event: "):
                    if not line:
                        return False, time.perf_counter() - t0
                return True, time.perf_counter() - t0
        except OSError:
            return False, time.perf_counter() - t0

    def ready(self) -> None:
        end = time.monotonic() + GUARD_S
        while self.call("/api/v1/windows")[0] != 200 or self.report()[0] != 200:
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"the gateway did not start; see {self.log}")
            time.sleep(0.3)

    def highest_fd(self) -> str:
        """The highest descriptor an HTTP connection had (this gateway's /metrics; none before it said)."""
        try:
            with urllib.request.urlopen(self.url + "/metrics", timeout=5) as r:
                found = re.search(r"^hall_http_highest_descriptor (\S+)$", r.read().decode(), re.M)
        except OSError:
            return "unknown"
        return str(int(float(found.group(1)))) if found else "unknown"

    def fds(self) -> tuple[int, int]:
        """(open descriptors, of which sockets)."""
        links = [os.readlink(p) for p in Path(f"/proc/{self.proc.pid}/fd").iterdir() if p.exists()]
        return len(links), sum(1 for t in links if t.startswith("socket:"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def flood(port: int, n: int) -> list[socket.socket]:
    """n connections that never send a byte (non-blocking: a gateway that stopped accepting
    does not stall the flood; the kernel completes them up to the listen backlog)."""
    out = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        out.append(s)
    return out


def run(args) -> int:
    args.nofile = args.nofile or unit_nofile()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.flood + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.flood + 1024), hard))
    work = Path(args.workdir or tempfile.mkdtemp(prefix="hall-conns-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    hall = Hall(args, work)
    sockets: list[socket.socket] = []
    try:
        hall.ready()
        calm = [hall.take_ticket() for _ in range(3)]
        fds0, socks0 = hall.fds()
        rss0, log0 = hall.rss_mb(), hall.log.stat().st_size
        t0 = time.monotonic()
        sockets = flood(hall.port, args.flood)
        taken = [hall.take_ticket()]  # the first one queues behind the whole flood
        screen_ok, screen_s = hall.screen()
        report = hall.report()
        for _ in range(args.tickets - 1):
            taken.append(hall.take_ticket())
        fds1, socks1 = hall.fds()
        rss1 = hall.rss_mb()
        left = args.hold - (time.monotonic() - t0)
        if left > 0:
            time.sleep(left)  # the flood held as long as asked: the log and the time-outs have their time
        fds2, socks2 = hall.fds()
        rss2 = hall.rss_mb()
        log_bytes = hall.log.stat().st_size - log0
        highest = hall.highest_fd()
        for s in sockets:
            s.close()
        sockets = []
        after = hall.take_ticket()
    finally:
        for s in sockets:
            s.close()
        hall.stop()
    answered = [t for status, t in taken if status == 201]
    ms = [1000 * t for t in answered]
    print(f"conns: {Path(args.config).stem}, LimitNOFILE {args.nofile}, {args.flood} idle connections held "
          f"{args.hold:g} s (workdir {work})", flush=True)
    print(f"  before the flood: kiosk {[s for s, _ in calm]} in {[round(1000 * t) for _, t in calm]} ms, "
          f"{fds0} descriptors, RSS {rss0:.1f} MB", flush=True)
    print(f"  under the flood: gateway held {socks1 - socks0} of them ({fds1} descriptors; {socks2 - socks0} "
          f"after {args.hold:g} s); kiosk {len(answered)}/{len(taken)} answered within {SERVED_S:g} s "
          f"({[s for s, _ in taken]}); screen stream {'opened' if screen_ok else 'not opened'} "
          f"in {1000 * screen_s:.0f} ms; highest descriptor of a connection {highest}; day report {report[0]} in {1000 * report[1]:.0f} ms; RSS {rss1:.1f} MB "
          f"({rss2:.1f} MB after {args.hold:g} s)",
          flush=True)
    print(f"  log: {log_bytes} bytes written while the flood was held; after it, the kiosk: {after[0]}", flush=True)
    last_line(flood=args.flood, nofile=args.nofile, held=socks1 - socks0, held_after_hold=socks2 - socks0,
              fds=fds1, highest_fd=highest, kiosk_ok=f"{len(answered)}/{len(taken)}",
              kiosk_median_ms=round(statistics.median(ms), 1) if ms else "none",
              kiosk_max_ms=round(max(ms), 1) if ms else "none", screen_ok=screen_ok,
              screen_ms=round(1000 * screen_s, 1), report_ok=report[0] == 200, log_bytes=log_bytes,
              rss_mb=round(rss0, 1), rss_flood_mb=round(rss1, 1), rss_held_mb=round(rss2, 1), kiosk_after=after[0])
    return 0
