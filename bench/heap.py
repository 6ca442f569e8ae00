"""Each device role's heap peak over a simulated hall day under `micropython -X heapsize=96K`.

    hall-bench heap [--rounds N]

Each role runs a day on an emulated board (hil/board/day.py); the figure is the peak
gc.mem_alloc() it reached. Needs Mosquitto (Debian package)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.report import last_line
from hil.board.board import HEAPSIZE, Board
from hil.board.day import DAYS, HALL, check_healthy, config, hall_day
from hil.board.gateway_stub import GatewayStub


def arguments(p) -> None:
    p.add_argument("--rounds", type=int, default=10, help="customers in the simulated day (10)")


def run(args) -> int:
    peaks = measure(args.rounds)
    print(f"peak gc.mem_alloc() over a simulated hall day ({args.rounds} customers), heap {HEAPSIZE}:")
    for role, peak in peaks.items():
        print(f"  {role:10s} {peak:6d} bytes ({peak / 1024:.1f}K)")
    last_line(**{f"{role}_peak_kb": round(peak / 1024, 1) for role, peak in peaks.items()})
    return 0


def measure(rounds: int) -> dict[str, int]:
    work = Path(tempfile.mkdtemp(prefix="heap-report-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = work / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n")
    broker = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    boards: list[Board] = []
    lock = threading.Lock()
    try:
        time.sleep(0.3)
        gw = GatewayStub(HALL, port)

        def one(role: str) -> tuple[str, int]:
            b = Board(role, config(port, "day-" + role, role), work / role)
            with lock:
                boards.append(b)
            b.start()
            peak = hall_day(role, b, gw, rounds)
            check_healthy(b)
            return role, peak

        with ThreadPoolExecutor(3) as ex:
            peaks = dict(ex.map(one, DAYS))
        gw.close()
        return peaks
    finally:
        for b in boards:
            b.stop()
        broker.terminate()
        broker.wait()
        shutil.rmtree(work, ignore_errors=True)
