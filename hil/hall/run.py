"""hall-hil run --config FILE: the gateway with its embedded broker, one
emulated board per configured device, the emulated printer where the hall's
kiosk prints on this machine, the landing page (/) with every page's key
applied and the devices page (/hall), until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import time
from pathlib import Path

from hil.board.powersave import Beacons
from hil.day.clock import demo_clock
from hil.hall.bridge import Bridge
from hil.hall.feed import Feed
from hil.hall.printer import HallPrinter, local_port
from hil.hall.sim import SimHall
from hil.hall.web import command, shown_path, token_files


def register(sub) -> None:
    p = sub.add_parser("run", help="run the gateway and an emulated board per device, with the hall page")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--workdir", metavar="DIR", help="where the store and the boards' flash live (default: a temp dir)")
    p.add_argument("--http-port", type=int, default=8080, metavar="N", help="gateway API and page port (8080)")
    p.add_argument("--broker-port", type=int, default=None, metavar="N",
                   help="embedded broker port (default: the hall file's)")
    p.add_argument("--dtim", type=int, default=1, metavar="N",
                   help="the access point's DTIM period in beacons of 102.4 ms (1): a device in Wi-Fi power "
                        "save (wifi_power_save in the hall file) gets its messages at these beacons")
    p.add_argument("--seconds", type=float, default=None, help=argparse.SUPPRESS)  # tests: stop after N s
    p.set_defaults(func=run)


def run(args) -> int:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hall-hil-"))
    from gateway.config import load_file
    from gateway.engine.calendar import HallCalendar
    cfg = load_file(args.config)
    try:
        beacons = Beacons(dtim=args.dtim)
    except ValueError as e:
        print(f"hall-hil: --dtim: {e}", flush=True)
        return 2
    clock = demo_clock(cfg)   # a closed hall would refuse every ticket
    hall = SimHall(args.config, workdir, http_port=args.http_port, extra_extensions="hil.hall.web",
                   broker_port=args.broker_port, clock=clock, beacons=beacons)
    if clock:
        print("hall-hil: the hall is closed now; the gateway runs on a clock starting at its next opening, "
              + HallCalendar(cfg).local(clock[0]).strftime("%Y-%m-%d %H:%M %Z"), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    print(f"hall-hil: starting {hall.hall.name}: gateway and {len(hall.boards)} emulated boards "
          f"(workdir {workdir})", flush=True)
    # The hall's own words, so the devices page can read the pads' Chinese back as text.
    feed = Feed(hall.boards, "".join(sorted({c for c in Path(args.config).read_text(encoding="utf-8")
                                             if ord(c) > 127})))
    port = local_port(hall.hall)
    printer = HallPrinter(port, feed.printed).start() if port else None  # before the kiosk looks for it
    bridge = Bridge(hall.boards, feed, printer.address if printer else None).start(hall.gateway.data_dir)
    try:
        hall.start()
        greet(hall, printer)
        end = time.monotonic() + args.seconds if args.seconds else None
        while not stop.wait(0.2):
            if end and time.monotonic() > end:
                break
    finally:
        hall.close()
        bridge.stop()
        if printer:
            printer.close()
        print("hall-hil: stopped", flush=True)
    return 0


def greet(hall: SimHall, printer: HallPrinter | None) -> None:
    """Where to go now: the landing page first, then where the keys and the codes are."""
    base = f"http://127.0.0.1:{hall.gateway.http_port}"
    say = [f"hall-hil: 首页 {base}/  (landing page: every page of the hall, its key applied)",
           f"hall-hil: 模拟设备 {base}/hall  (hall page: the emulated devices, window by window)"]
    say += [f"hall-hil: 口令文件 {name}: {where}" for name, where in token_files(hall.gateway.data_dir)]
    if printer and printer.address:
        say.append(f"hall-hil: 模拟打印机 {printer.address}: 取号单打印在这里和模拟设备页上")
    say.append(f"hall-hil: 登录码不显示在任何页面上：演示用的登录码在 {shown_path(hall.config)} 的 [[staff]] "
               f"login_code；改码用 {command('hallgw')} staff code --config {shown_path(hall.config)} "
               f"--data-dir {shown_path(hall.gateway.data_dir)} 工号")
    say.append("hall-hil: Ctrl-C stops the hall")
    print("\n".join(say), flush=True)
