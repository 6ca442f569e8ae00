"""The clock every part of the gateway stamps its commands with: the Pi's clock, plus the offset
the log holds (a supervisor's setting), and never a jump the log has not recorded yet.

Every reading compares the Pi's wall clock with the time since boot (CLOCK_BOOTTIME: it only
counts up, at the same rate). When the wall clock jumps by more than STEP_S (NTP stepping it, an
RTC read, `date -s`), the jump is held back: readings go on from where they were, `jumped` is
set, and the watch logs the step as a `clock` command; only once it is committed does the hall
clock move (logged()). So no command is ever stamped on the new clock before the engine has
moved the day's times onto it: a step cannot look like a night passing and end the morning.
The check is on every reading because it must be: the ticker reads every second, and a
background check alone would let the new time through for as long as its interval.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

STEP_S = 2.0  # NTP slews smaller errors (500 ppm at most: 1 ms a check); beyond this it was a step


def since_boot() -> float:
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):
        return time.monotonic()


class HallClock:
    def __init__(self, base: Callable[[], float] = time.time, boot: Callable[[], float] = since_boot,
                 detect: bool = True, step_s: float = STEP_S):
        """base: the Pi's clock (or a simulated day's); boot: seconds since boot; detect: watch
        base for jumps (not for a simulated day running faster than real time)."""
        self.base, self.boot, self.detect, self.step_s = base, boot, detect, step_s
        self._lock = threading.Lock()
        self.offset = 0.0  # in force: as logged
        self.pending = 0.0  # jumps of the Pi's clock seen and held back, not yet logged
        self.ref = base() - boot()  # the Pi's clock less the time since boot, when last accepted
        self.jumped = threading.Event()

    def __call__(self) -> float:
        wall = self.base()
        if self.detect:
            drift = wall - self.boot() - self.ref
            if drift > self.step_s or drift < -self.step_s:
                with self._lock:
                    drift = wall - self.boot() - self.ref  # another reader may have taken it already
                    if drift > self.step_s or drift < -self.step_s:
                        self.pending += drift
                        self.ref += drift
                        self.jumped.set()
        return wall + self.offset - self.pending

    def system(self) -> float:
        """The Pi's own clock as it is now (no offset, nothing held back)."""
        self()  # a jump since the last reading is noted first
        return self.base()

    def resume(self, offset: float, ref: float | None, same_boot: bool) -> None:
        """At start, from the log: the offset in force, and (same boot) the reference the last fact
        logged, so a jump while the gateway was stopped is held back as one seen now."""
        with self._lock:
            self.offset = offset
            if same_boot and ref is not None:
                drift = self.ref - ref
                if abs(drift) > self.step_s:
                    self.pending += drift
                    self.ref = ref + drift
                    self.jumped.set()

    def held(self) -> tuple[float, float, float]:
        """(offset, pending, ref) at one moment: what a fact about to be logged starts from."""
        self()
        with self._lock:
            return self.offset, self.pending, self.ref

    def logged(self, offset: float, absorbed: float) -> None:
        """A fact is committed: its offset is in force, the jumps it recorded are no longer held."""
        with self._lock:
            self.offset = offset
            self.pending -= absorbed
            if abs(self.pending) < 1e-9:
                self.pending = 0.0
                self.jumped.clear()
