"""What the hall screen (电子显示屏) shows, as pure functions of the engine, the hall and the
last calls: the newest call, the last 8 calls, waiting per service, and the band of the day's
figures (办理情况实时滚动公示) with the hall's rules and notices.

The last calls are not engine state (the engine keeps a ticket's latest call only, and loses
it on a transfer), so they are folded from the engine's ticket_called events as they come,
and rebuilt at start from the newest committed records of the service day.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from gateway.engine import reads
from gateway.engine import satisfaction as sat

RECENT = 8
REBUILD_SCAN = 20000  # records read back at most at start: a busy county day is a few thousand
# Events after which the screen's picture may differ; the rest (prompts, alerts, follow-ups) do not.
SHOWN = frozenset({"ticket_called", "queue_changed", "ticket_finished", "rating_recorded", "window_changed",
                   "day_started", "ticket_reset", "ticket_no_show", "ticket_transferred", "ticket_cancelled"})


def shown(upd):
    """A push hub filter: only updates that change the screen."""
    return upd if any(e.get("type") in SHOWN for e in upd.events) else None


def _call(e: dict) -> dict:
    return {"ticket": e["ticket"], "number": e["number"], "window": e["window"],
            "recall": e.get("recall", 0), "at": e["at"], "service": e.get("service")}


def add_calls(calls: tuple, events: Iterable[dict], limit: int = RECENT) -> tuple:
    """The last calls (newest first) after these events. A recall or a second call of the same
    ticket moves it to the top instead of listing it twice; a new service day clears the list."""
    out = list(calls)
    for e in events:
        t = e.get("type")
        if t == "day_started":
            out = []
        elif t == "ticket_called":
            out = [c for c in out if c["ticket"] != e["ticket"]]
            out.insert(0, _call(e))
            del out[limit:]
    return tuple(out)


def fold(calls: tuple, upd) -> tuple:
    """For PushHub.keep: cheap (a few list operations per call event)."""
    return add_calls(calls, upd.events)


def rebuild_calls(records_newest_first: Iterable[dict], limit: int = RECENT) -> tuple:
    """The last calls of the current service day from committed log records read backwards
    (each {seq, cmd, outcome}); stops at the day's day_started or once `limit` tickets are found."""
    found: list[dict] = []
    seen: set[str] = set()
    for rec in records_newest_first:
        for e in reversed(rec.get("outcome", {}).get("events", [])):
            if e.get("type") == "day_started":
                return tuple(found)
            if e.get("type") == "ticket_called" and e["ticket"] not in seen:
                seen.add(e["ticket"])
                found.append(_call(e))
                if len(found) >= limit:
                    return tuple(found)
    return tuple(found)


def window_name(display_text: str, number: int) -> str:
    """'3号 综合受理' -> '综合受理': the screen says '3号窗口' itself."""
    return re.sub(rf"^\s*{number}\s*号(窗口)?\s*", "", display_text).strip() or display_text


def _shown_call(hall, tz, c: dict) -> dict:
    try:
        w = hall.window(c["window"])
        name, text = window_name(w.display_text, w.number), w.display_text
    except KeyError:  # a window taken out of the hall file since the call
        name, text = "", f"{c['window']}号"
    return {"ticket": c["ticket"], "number": c["number"], "window": c["window"],
            "window_label": f"{c['window']}号窗口", "window_name": name, "display_text": text,
            "recall": c["recall"], "at": c["at"],
            "time": dt.datetime.fromtimestamp(c["at"], tz).strftime("%H:%M")}


def band(eng) -> dict:
    """The day's figures. 满意度 as gateway/engine/satisfaction.py defines it for every figure:
    the day's services' ratings, at the window or by code; None (shown as —) before the first."""
    s = reads.day_stats(eng)
    open_ = sum(1 for status in reads.statuses(eng).values() if status != "closed")
    return {"served": s.served,
            "avg_wait_min": round(s.wait_s / s.called / 60, 1) if s.called else None,
            "satisfaction_pct": sat.percent(sat.rate(s.levels)),
            "satisfied_min_level": sat.SATISFIED_MIN, "rated": sum(s.levels.values()),
            "windows_open": open_, "windows_total": len(eng.hall.windows)}


def view(eng, calls: tuple, now: float) -> dict:
    """Everything the screen shows, JSON-able; `now` (the gateway's clock) sets the screen's clock."""
    hall = eng.hall
    tz = ZoneInfo(hall.timezone)
    waiting = reads.waiting(eng)
    recent = [_shown_call(hall, tz, c) for c in calls[:RECENT]]
    return {"hall": {"name": hall.name, "timezone": hall.timezone},
            "day": reads.day(eng), "now": now,
            "current": recent[0] if recent else None,
            "recent": recent,
            "waiting": [{"service": s.code, "name": s.name, "prefix": s.prefix,
                         "waiting": waiting.get(s.code, 0)} for s in hall.services],
            "band": band(eng),
            "notices": list(hall.screen.notices), "rules": list(hall.screen.rules),
            "chime": hall.screen.chime}
