"""The access point's beacons and a station's power save, as the emulated radio (radio.py)
applies them to the traffic TO a board.

An ESP32 station in modem sleep (ESP-IDF's default; MicroPython's WLAN.PM_PERFORMANCE) turns
its receiver off between the access point's DTIM beacons: the access point buffers every frame
for it and sends them after the DTIM beacon the station wakes for. With WLAN.PM_POWERSAVE the
station wakes only every LISTEN_INTERVAL beacons. With WLAN.PM_NONE the receiver stays on and
frames go at once. What the station sends goes at once in every mode (it wakes to send).

The beacon clock runs with the wall clock (beacon n at n x the interval), or a test freezes it
and moves it by hand (advance): then which beacon a message waited for is read off the clock,
not timed."""
from __future__ import annotations

import math
import threading
import time

BEACON_MS = 102.4      # 100 TU: the beacon interval nearly every access point uses
LISTEN_INTERVAL = 3    # ESP-IDF's default listen interval (in beacons) for max modem sleep
PM_NONE, PM_PERFORMANCE, PM_POWERSAVE = 0, 1, 2    # MicroPython's WLAN.PM_* on the ESP32 port
PM_DEFAULT = PM_PERFORMANCE   # what a station has after power-up until the firmware says otherwise
PM_NAMES = {PM_NONE: "none", PM_PERFORMANCE: "performance", PM_POWERSAVE: "powersave"}


class Beacons:
    """The access point's beacon clock, shared by the stations of one access point."""

    def __init__(self, dtim: int = 1, interval_ms: float = BEACON_MS):
        if not 1 <= dtim <= 255:
            raise ValueError(f"DTIM period {dtim}: 1 to 255 beacons")
        if interval_ms <= 0:
            raise ValueError(f"beacon interval {interval_ms} ms: must be positive")
        self.dtim, self.interval_ms = dtim, interval_ms
        self._start = time.monotonic()
        self._frozen: float | None = None
        self._lock = threading.Lock()
        self._moved: list = []      # called after each advance (the radios release what is due)

    def now_ms(self) -> float:
        """Milliseconds on the beacon clock: beacon n goes out at n x interval_ms."""
        f = self._frozen
        return f if f is not None else (time.monotonic() - self._start) * 1000

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def period_ms(self, pm: int) -> float:
        """How often a station in mode pm wakes to take what was buffered for it (0: never sleeps)."""
        if pm == PM_NONE:
            return 0.0
        return self.interval_ms * (self.dtim if pm == PM_PERFORMANCE else LISTEN_INTERVAL)

    def wake_ms(self, pm: int, at_ms: float) -> float:
        """When a station in mode pm takes a frame the access point got at at_ms: at once without
        power save, else at the first beacon it wakes for after at_ms."""
        every = self.period_ms(pm)
        if not every:
            return at_ms
        return (math.floor(at_ms / every) + 1) * every

    def freeze(self) -> float:
        """Stop the clock where it is (no beacon comes until advance); returns the time."""
        with self._lock:
            if self._frozen is None:
                self._frozen = self.now_ms()
            return self._frozen

    def advance(self, ms: float) -> float:
        """Move a frozen clock on by ms; what came due is released before this returns."""
        if ms < 0:
            raise ValueError("the beacon clock does not go back")
        with self._lock:
            if self._frozen is None:
                raise RuntimeError("freeze the beacon clock before moving it by hand")
            self._frozen += ms
            now = self._frozen
        for fn in list(self._moved):
            fn()
        return now

    def run(self) -> None:
        """Let a frozen clock run with the wall clock again, from where it stands."""
        with self._lock:
            if self._frozen is not None:
                self._start = time.monotonic() - self._frozen / 1000
                self._frozen = None

    def on_advance(self, fn) -> None:
        self._moved.append(fn)

    def off_advance(self, fn) -> None:
        if fn in self._moved:
            self._moved.remove(fn)
