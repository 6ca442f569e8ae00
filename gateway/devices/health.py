"""The device plane's health as one observable value, so the status LED (or
anything else) can follow it without knowing about MQTT."""
from __future__ import annotations

import threading

STARTING = "starting"
CONNECTED = "connected"
LOST = "lost"
ERROR = "error"
STATES = (STARTING, CONNECTED, LOST, ERROR)


class Health:
    def __init__(self):
        self._lock = threading.Lock()
        self._state = STARTING
        self._listeners = []

    @property
    def state(self) -> str:
        return self._state

    def listen(self, fn) -> None:
        with self._lock:
            self._listeners.append(fn)
        fn(self._state)

    def set(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown health state {state!r}")
        with self._lock:
            if state == self._state:
                return
            self._state = state
            listeners = list(self._listeners)
        for fn in listeners:
            fn(state)


# One per process: the device plane sets it, the status LED follows it.
GATEWAY = Health()
