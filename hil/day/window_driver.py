"""Drive a hall's window 1 through calls (a clerk at the engine's door), for the audio tests and `hall-bench voice`.

target is anything with submit(cmd) -> outcome (the Runtime, or an engine
wrapper in tests). Time starts on a working Tuesday at 10:00 hall time and
advances one second per command, so the engine's hours never refuse.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

START = dt.datetime(2026, 9, 1, 10, 0)  # a Tuesday, inside the example halls' hours


class Driver:
    def __init__(self, target, hall, window: int | None = None):
        self.target, self.hall = target, hall
        w = hall.window(window) if window is not None else hall.windows[0]
        self.window = w.number
        self.service = w.services[0]
        self.at = START.replace(tzinfo=zoneinfo.ZoneInfo(hall.timezone)).timestamp()
        staff = w.post_a or hall.staff[0].id
        self.submit({"type": "login", "window": self.window, "staff_code": hall.staff_member(staff).login_code})

    def submit(self, cmd: dict):
        self.at += 1.0
        out = self.target.submit({**cmd, "at": self.at})
        if not out.ok:
            raise RuntimeError(f"{cmd['type']} refused: {out.refusal}")
        return out

    def issue(self):
        return self.submit({"type": "issue_ticket", "service": self.service})

    def call_next(self):
        return self.submit({"type": "call_next", "window": self.window})

    def recall(self):
        return self.submit({"type": "recall", "window": self.window})

    def finish(self):
        self.submit({"type": "start", "window": self.window})
        return self.submit({"type": "finish", "window": self.window})
