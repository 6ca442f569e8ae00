"""The alerts of devices past their budget (budget.py): the plane's ticker raises a device's
alert when its flood starts and ends it, with the totals, when the device is calm. Each is a
`device_flood` command (gateway/engine/floods.py): one record in the audited log at each end
of a flood, however long it lasts, and one log line each.

When the last flood is over, the heap it used goes back to the system: Python frees what a
flood's messages took (in paho, the embedded broker, the log), but glibc's malloc keeps freed
pages in its per-thread arenas, and a Pi Zero's RSS would stay where the flood left it
(malloc_trim(0) gives them back; elsewhere than glibc it is not there and nothing happens)."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time

from gateway.devices.budget import UNKNOWN, Budget, Episode

log = logging.getLogger("gateway.devices.plane")


def due(budget: Budget, runtime, clock, devices: dict) -> None:
    start, end = budget.due(time.monotonic())
    for ep in start:
        _submit(ep, True, budget, runtime, clock, devices)
    for ep in end:
        _submit(ep, False, budget, runtime, clock, devices)
    if end and not budget.floods():
        trim()


def trim() -> bool:
    """Give the C heap's free pages back to the system (glibc's malloc_trim); False where there is none."""
    try:
        return bool(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False


def _submit(ep: Episode, active: bool, budget: Budget, runtime, clock, devices: dict) -> None:
    cmd = {"type": "device_flood", "at": clock(), "device": ep.device, "active": active, "dropped": ep.dropped}
    if not active:
        cmd.update(unlogged=ep.unlogged, malformed=ep.malformed)
    out = runtime.submit(cmd)
    if not out.ok:
        log.error("the alert of flooding device %s was refused: %s", ep.device, out.refusal)
    who = _who(ep.device, devices)
    if active:
        log.warning("flood from %s: past its budget of %g messages a second (burst %d); the excess is dropped "
                    "and counted until it is calm for %g s", who, budget.rate, budget.burst, budget.calm)
    else:
        log.warning("flood from %s over after %.0f s: %d messages dropped past its budget; %d refusals and %d "
                    "malformed messages not logged one by one", who, ep.last_drop - ep.since, ep.dropped,
                    ep.unlogged, ep.malformed)


def _who(dev: str, devices: dict) -> str:
    d = devices.get(dev)
    if d is None:
        return "ids not in the hall file" if dev == UNKNOWN else f"device {dev}"
    return f"device {dev} (window {d.window} {d.role})"
