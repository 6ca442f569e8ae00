"""When to be quiet, how loud to be, and which queued calls a long queue drops. Pure."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class Call(NamedTuple):
    number: str  # ticket number, e.g. "A012"
    window: int
    recall: int = 0
    at: float = 0.0  # when the engine called it (epoch seconds)


def is_quiet(quiet_hours, t: dt.time) -> bool:
    """quiet_hours: ((from, to), ...) sessions of the day; 24:00 is time.max."""
    return any(a <= t < b or (b == dt.time.max and t >= a) for a, b in quiet_hours)


def volume_at(steps, t: dt.time) -> int:
    """The percent of the last step at or before t; before the first step the day's last step still holds."""
    if not steps:
        return 100
    current = steps[-1][1]
    for start, percent in steps:
        if start <= t:
            current = percent
    return current


def prune(queued: list[Call], limit: int) -> tuple[list[Call], list[Call]]:
    """(kept, dropped). Over the limit, only the newest queued call per window is kept:
    a window that called again has moved on, so its older call is stale. Calls of
    different windows are never dropped: each is a citizen waiting to hear it."""
    if len(queued) <= limit:
        return list(queued), []
    newest = {c.window: i for i, c in enumerate(queued)}
    kept = [c for i, c in enumerate(queued) if newest[c.window] == i]
    dropped = [c for i, c in enumerate(queued) if newest[c.window] != i]
    return kept, dropped
