"""hall-hil run --config FILE: the gateway with its embedded broker, one
emulated board per configured device, and the hall page, until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import time
from pathlib import Path

from hil.bridge import Bridge
from hil.day.clock import demo_clock
from hil.hall import SimHall


def register(sub) -> None:
    p = sub.add_parser("run", help="run the gateway and an emulated board per device, with the hall page")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--workdir", metavar="DIR", help="where the store and the boards' flash live (default: a temp dir)")
    p.add_argument("--http-port", type=int, default=8080, metavar="N", help="gateway API and page port (8080)")
    p.add_argument("--broker-port", type=int, default=None, metavar="N",
                   help="embedded broker port (default: the hall file's)")
    p.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)  # tests: stop after N s
    p.set_defaults(func=run)


def run(args) -> int:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-hil-"))
    from gateway.config import load_file
    from gateway.engine.calendar import HallCalendar
    cfg = load_file(args.config)
    clock = demo_clock(cfg)   # a closed hall would refuse every ticket
    hall = SimHall(args.config, workdir, http_port=args.http_port, extra_extensions="hil.web",
                   broker_port=args.broker_port, clock=clock)
    if clock:
        print("hall-hil: the hall is closed now; the gateway runs on a clock starting at its next opening, "
              + HallCalendar(cfg).local(clock[0]).strftime("%Y-%m-%d %H:%M %Z"), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    print(f"hall-hil: starting {hall.hall.name}: gateway and {len(hall.boards)} emulated boards "
          f"(workdir {workdir})", flush=True)
    bridge = Bridge(hall.boards).start(hall.gateway.data_dir)
    try:
        hall.start()
        print(f"hall-hil: hall page http://127.0.0.1:{hall.gateway.http_port}/hall", flush=True)
        print("hall-hil: Ctrl-C stops the hall", flush=True)
        end = time.monotonic() + args.seconds if args.seconds else None
        while not stop.wait(0.2):
            if end and time.monotonic() > end:
                break
    finally:
        hall.close()
        bridge.stop()
        print("hall-hil: stopped", flush=True)
    return 0
