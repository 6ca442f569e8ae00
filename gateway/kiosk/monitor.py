"""The kiosk printer's state for the supervisor: what it is, since when, the last error, and an
alert while it cannot print (kept here, not in the engine: a printer is not a queue fact)."""
from __future__ import annotations

import logging
import threading

from gateway.printer.status import PRINTABLE, STATE_CN

log = logging.getLogger("hallgw.kiosk.printer")


class PrinterMonitor:
    def __init__(self, name: str, address: str, clock):
        self.name, self.address, self.clock = name, address, clock
        self.state, self.since, self.checked_at = "none" if address == "none" else "unknown", None, None
        self.last_error: str | None = None
        self.alerts: list[dict] = []  # raised and ended, newest last (the last 50)
        self.lock = threading.Lock()

    def note(self, state: str, error: str | None = None) -> None:
        now = self.clock()
        with self.lock:
            self.checked_at = now
            if error:
                self.last_error = error
            if state == self.state and self.since is not None:
                return
            was, self.state, self.since = self.state, state, now
        if state in PRINTABLE or state == "none":
            if self._open():
                log.info("printer %s (%s): %s again (was %s)", self.name, self.address, STATE_CN[state], was)
                self._end(now)
            if state == "paper_near_end":
                log.warning("printer %s (%s): paper near its end: put in a new roll", self.name, self.address)
            return
        log.warning("printer %s (%s): %s (%s)%s", self.name, self.address, STATE_CN[state], state,
                    f": {error}" if error else "")
        self._end(now)
        with self.lock:
            self.alerts.append({"kind": "printer", "printer": self.name, "state": state,
                                "text": f"叫号机打印机{STATE_CN[state]}", "since": now, "until": None})
            del self.alerts[:-50]

    def _open(self) -> bool:
        with self.lock:
            return any(a["until"] is None for a in self.alerts)

    def _end(self, now: float) -> None:
        with self.lock:
            for a in self.alerts:
                if a["until"] is None:
                    a["until"] = now

    def view(self) -> dict:
        with self.lock:
            active = [dict(a) for a in self.alerts if a["until"] is None]
            return {"id": self.name, "address": self.address, "state": self.state,
                    "state_name": STATE_CN[self.state], "since": self.since, "checked_at": self.checked_at,
                    "last_error": self.last_error, "alert": active[0] if active else None,
                    "alerts": [dict(a) for a in self.alerts]}
