"""Opening hours -> whether the hall is open at an instant, for dimming the
window displays outside hours (a bright sign over an empty hall at night
helps nobody and ages the LEDs)."""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from gateway.config import Hall

BRIGHT = 15
DIM = 2


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def sessions(hall: Hall, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    h = hall.hours
    if day in h.holidays:
        return []
    key = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    if day in h.workdays and not h.weekly.get(key):
        key = "mon"  # 调休: a weekend working day keeps a weekday's hours
    out = list(h.weekly.get(key, ()))
    if out and h.lunch_service:
        out = [(out[0][0], out[-1][1])]  # 午间不间断服务: the gap between sessions stays open
    return out + list(h.extended.get(key, ()))


def is_open(hall: Hall, at: float) -> bool:
    local = dt.datetime.fromtimestamp(at, _zone(hall.timezone))
    t = local.time()
    # The loader reads 24:00 as time.max, so a plain half-open compare covers whole days.
    return any(a <= t < b for a, b in sessions(hall, local.date()))


def brightness(hall: Hall, at: float) -> int:
    return BRIGHT if is_open(hall, at) else DIM
