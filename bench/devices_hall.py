"""A hall of any size built from a real one, for benchmarks: N windows, each
with a call pad, an evaluator and an LED display, a clerk per window, the
services dealt round-robin so each queue change touches a few windows."""
from __future__ import annotations

import dataclasses

from gateway.config import Hall
from gateway.config.model import Device, Panel, Staff, Window


def scaled(hall: Hall, windows: int) -> Hall:
    if not 1 <= windows <= 999:
        raise ValueError("windows must be 1..999")
    codes = [s.code for s in hall.services]
    ws, devs, staff = [], [], []
    for n in range(1, windows + 1):
        svc = hall.service(codes[(n - 1) % len(codes)])
        sid = f"b{n:03d}"
        ws.append(Window(n, f"{n}号 {svc.name}"[:12], "dedicated", (svc.code,), Panel(128, 16), sid, None))
        staff.append(Staff(sid, f"窗口{n}", f"9{n:03d}"))
        devs += [Device(f"w{n:02d}-pad", "callpad", n), Device(f"w{n:02d}-eval", "evaluator", n),
                 Device(f"w{n:02d}-led", "display", n)]
    return dataclasses.replace(hall, id=f"{hall.id}-x{windows}"[:32], windows=tuple(ws), devices=tuple(devs),
                               staff=tuple(staff), _index={})
