"""Helpers for engine tests: the example halls, a variant with changed settings, and a
driver that feeds commands with a clock that moves forward."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from gateway.config import load_text
from gateway.engine import Engine
from tests.support import ROOT

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0, ss: int = 0) -> float:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ).timestamp()


MONDAY_9 = at(2026, 11, 23, 9, 0)  # a Monday in opening hours


class StepClock:
    """A hall clock that moves on `step` seconds each time it is read: the API's and the
    pages' commands get distinct, increasing times without a real clock."""

    def __init__(self, start: float = MONDAY_9, step: float = 5.0):
        self.now, self.step = start, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def hall(name: str = "county", **queue) -> object:
    """A hall from hall_config/, with [queue] keys overridden (TOML literals as Python)."""
    text = (ROOT / "hall_config" / f"{name}.toml").read_text(encoding="utf-8")
    for key, value in queue.items():
        lit = "true" if value is True else "false" if value is False else (
            f'"{value}"' if isinstance(value, str) else str(value))
        line = f"{key} = {lit}"
        if re.search(rf"^{key} = .*$", text, flags=re.M):
            text = re.sub(rf"^{key} = .*$", line, text, count=1, flags=re.M)
        else:
            text = text.replace("[queue]\n", f"[queue]\n{line}\n", 1)
    return load_text(text, f"{name}.toml")


class Driver:
    """Feeds one engine, moving time on by `step` seconds per command."""

    def __init__(self, h=None, start: float = MONDAY_9, step: float = 10.0):
        self.engine = Engine(h or hall())
        self.now = start
        self.step = step
        self.events: list[dict] = []

    def __call__(self, type: str, **kw):
        self.now = kw.pop("at", self.now + self.step)
        out = self.engine.handle({"type": type, "at": self.now, **kw})
        self.events.extend(out.events)
        return out

    def ok(self, type: str, **kw):
        out = self(type, **kw)
        assert out.ok, out.refusal
        return out.result

    def refused(self, type: str, **kw) -> str:
        out = self(type, **kw)
        assert not out.ok, f"{type} was accepted: {out.result}"
        assert out.refusal
        return out.refusal

    def serve(self, window: int, case_type: str = "immediate") -> dict:
        t = self.ok("call_next", window=window)
        self.ok("start", window=window)
        self.ok("finish", window=window, case_type=case_type)
        return t
