"""The gateway's memory and CPU during a peak hour of a simulated hall day.

    hall-bench footprint --config FILE [--hours H] [--speed X] [--load L] [--max-rss-mb N] [--workdir DIR]

Runs `hall-hil day` (09:00-10:00: the morning rush peaks at 9:30; real gateway, Mosquitto, a
board running the firmware per device) and samples the gateway process from /proc every
--interval seconds: resident memory (VmRSS) and CPU time (user + system). Prints one figures
line; --max-rss-mb N makes the exit status 1 when the peak RSS is above N (the village on a
Pi Zero 2 W: 80). The day runs --speed times faster than real time, so its events take an
hour's CPU in hours/speed of real time: the figures give the CPU seconds the hour's work took
and the share of one core at that speed (a ceiling for the real hour)."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.report import last_line

TICK = os.sysconf("SC_CLK_TCK")


def gateway_pid(workdir: Path) -> int | None:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "gateway.cli run" in cmd and str(workdir) in cmd:
            return int(proc.name)
    return None


def sample(pid: int) -> tuple[float, float] | None:
    """(RSS in MB, CPU seconds so far) of a process, None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    kb = [int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:")]
    if not kb:  # a process that is exiting (a zombie) has no memory left to show
        return None
    rss = kb[0] / 1024
    fields = stat.rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


class Sampler:
    def __init__(self, workdir: Path, interval: float):
        self.workdir, self.interval = workdir, interval
        self.rss: list[float] = []
        self.cpu: list[tuple[float, float]] = []  # (monotonic, cpu seconds)
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        pid = None
        while not self._stop.wait(self.interval):
            if pid is None or (got := sample(pid)) is None:
                pid = gateway_pid(self.workdir)
                continue
            self.pids.add(pid)
            self.rss.append(got[0])
            self.cpu.append((time.monotonic(), got[1]))


def figures(name: str, s: Sampler, speed: float, hours: float) -> str:
    if not s.rss:
        return f"footprint: {name}: the gateway was never seen"
    cpu = s.cpu[-1][1] - s.cpu[0][1]
    real = s.cpu[-1][0] - s.cpu[0][0]
    return (f"footprint: {name}, {hours:g} h from 09:00 at x{speed:g}: gateway RSS max {max(s.rss):.1f} MB, "
            f"median {statistics.median(s.rss):.1f} MB; CPU {cpu:.1f} s in {real:.0f} s real "
            f"({100 * cpu / max(real, 1e-9):.0f}% of one core at x{speed:g}); {len(s.rss)} samples")


def arguments(ap) -> None:
    ap.add_argument("--config", required=True, metavar="FILE")
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--speed", type=float, default=20.0)
    ap.add_argument("--load", type=float, default=1.0, help="citizens per window-hour, relative (1.0)")
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between samples (0.5)")
    ap.add_argument("--max-rss-mb", type=float, help="exit 1 when the gateway's peak RSS is above this")
    ap.add_argument("--workdir", metavar="DIR")


def run(args) -> int:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-footprint-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    s = Sampler(workdir, args.interval).start()
    with open(workdir / "day.log", "w") as log:
        day = subprocess.run([sys.executable, "-m", "hil.cli", "day", "--config", args.config, "--hours",
                              str(args.hours), "--speed", str(args.speed), "--load", str(args.load),
                              "--workdir", str(workdir)], stdout=log, stderr=subprocess.STDOUT,
                             cwd=Path(__file__).resolve().parents[1])
    s.stop()
    last = (workdir / "day.log").read_text().strip().splitlines()[-1:] or ["(no output)"]
    print(figures(Path(args.config).stem, s, args.speed, args.hours) + f"; {last[0]}", flush=True)
    if s.rss:
        cpu = s.cpu[-1][1] - s.cpu[0][1]
        last_line(rss_max_mb=round(max(s.rss), 1), rss_median_mb=round(statistics.median(s.rss), 1),
                  cpu_s=round(cpu, 1), samples=len(s.rss), day_ok=day.returncode == 0)
    if day.returncode:
        print(f"footprint: the day failed (exit {day.returncode}); see {workdir / 'day.log'}", file=sys.stderr)
        return 1
    if args.max_rss_mb is not None and s.rss and max(s.rss) > args.max_rss_mb:
        print(f"footprint: peak RSS {max(s.rss):.1f} MB is over {args.max_rss_mb:g} MB", file=sys.stderr)
        return 1
    return 0
