"""The clock's watch: logs each fact of the hall's clock as a `clock` command (gateway/engine/
clock.py says what the engine does with them), on a thread of its own.

  at start      the first fact of this run: synchronized or not, on which boot. The same boot as
                the last fact, and the Pi's clock moved against the time since boot: it was
                stepped while the gateway was stopped (the step is logged). Unsynchronized and
                behind the log's last time (fake-hwclock saved an hour before the power cut):
                the hall clock is raised to go on from the log (cause "floor"), so time never
                runs back and never stands still.
  every CHECK_S and at once when the hall clock saw a jump: a jump of the Pi's clock is logged
                as a step; synchronized now (or no longer) is logged; a supervisor's offset is
                dropped once NTP or the RTC has the clock (the step is what is left of it).
  set_by(...)   a supervisor sets the hall clock from their browser's clock (the dashboard):
                refused while the Pi's clock is synchronized.

Every fact carries the offset in force after it and the step it makes; the hall clock moves only
once the fact is committed (hall_clock.logged)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from gateway.clock.hall_clock import HallClock
from gateway.clock.probe import Probe, Reading
from gateway.engine import reads

log = logging.getLogger("hallgw.clock")
CHECK_S = 2.0
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
EARLIEST = 1704067200.0  # 2024-01-01: a browser's clock before it is not a clock to set the hall by
LATEST = 4102444800.0  # 2100-01-01


def boot_id(path: Path = BOOT_ID) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


class Refused(Exception):
    """A supervisor's setting the watch will not log: the reason, in Chinese first."""

    def __init__(self, status: int, chinese: str, english: str):
        super().__init__(english)
        self.status, self.chinese, self.english = status, chinese, english


@dataclass(frozen=True)
class Fact:
    cmd: dict
    absorbed: float  # the held-back jumps it records


def decide(state, reading: Reading, offset: float, pending: float, wall: float, last_at: float, first: bool,
           boot: str | None) -> tuple[str, float] | None:
    """Pure: (cause, new offset) of the fact to log now, or None. state: the log's ClockState."""
    if first:
        known = state.synced is not None and boot is not None and state.boot == boot
        if reading.synced:
            new = 0.0
            if known and state.synced and pending == 0 and offset == 0:
                return None
            return ("sync" if state.synced is False else "start"), new
        new = offset
        if wall + new < last_at:
            return "floor", last_at + 1.0 - wall
        if known and state.synced is False and pending == 0:
            return None
        return "start", new
    if reading.synced and state.synced is not True:
        return "sync", 0.0
    if not reading.synced and state.synced is True:
        return "unsync", offset
    if pending:
        # Something set the Pi's clock (NTP, the RTC, `date -s`): a supervisor's offset made up
        # for what it was, so it goes with the jump.
        return "jump", 0.0
    return None


class Watch:
    def __init__(self, runtime, clock: HallClock, probe: Probe, interval: float = CHECK_S,
                 boot: str | None = None):
        self.runtime, self.clock, self.probe, self.interval = runtime, clock, probe, interval
        self.boot = boot_id() if boot is None else boot
        self._lock = threading.Lock()  # one fact at a time: the loop's and a supervisor's
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reading: Reading | None = None

    # -- the loop ------------------------------------------------------------------------------
    def start(self) -> None:
        state = self.runtime.read(reads.clock)
        self.clock.resume(state.offset, state.ref, state.boot is not None and state.boot == self.boot)
        self.check(first=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hall-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.clock.jumped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.clock.jumped.wait(self.interval)
            if self._stop.is_set():
                return
            try:
                self.check()
            except Exception:
                log.exception("clock: the check failed")
                self._stop.wait(self.interval)

    def check(self, first: bool = False) -> dict | None:
        """Probe and log what changed; the fact logged, or None."""
        reading = self.probe()
        if self.reading is None or reading != self.reading:
            log.info("clock: %s (%s)", "synchronized" if reading.synced else "NOT synchronized", reading.detail)
        self.reading = reading
        with self._lock:
            state = self.runtime.read(reads.clock)
            offset, pending, ref = self.clock.held()
            wall = self.clock.base()
            got = decide(state, reading, offset, pending, wall, self.runtime.last_at, first, self.boot)
            if got is None:
                return None
            cause, new = got
            return self._log(reading.synced, reading.via, cause, offset, new, pending, ref, wall)

    # -- a supervisor ----------------------------------------------------------------------------
    def set_by(self, browser_s: float, by: str | None) -> dict:
        """The hall clock set to a supervisor's browser clock (epoch seconds): the fact logged."""
        if not EARLIEST <= browser_s < LATEST:
            raise Refused(422, "浏览器的时间不对（早于2024年或晚于2100年），未校准",
                          f"the browser's time {browser_s} is not a time to set the hall clock to")
        with self._lock:
            state = self.runtime.read(reads.clock)
            if state.synced:
                raise Refused(409, "时钟已与网络或时钟模块同步，无需手动校准",
                              "the clock is synchronized: it is not set by hand")
            offset, pending, ref = self.clock.held()
            wall = self.clock.base()
            return self._log(False, state.via, "supervisor", offset, browser_s - wall, pending, ref, wall, by=by)

    # -- logging a fact ----------------------------------------------------------------------------
    def _log(self, synced: bool, via: str | None, cause: str, offset: float, new: float, pending: float,
             ref: float, wall: float, by: str | None = None) -> dict:
        step = round(new - offset + pending, 3)
        cmd = {"type": "clock", "at": wall + new, "synced": synced, "cause": cause, "step": step,
               "offset": round(new, 3), "ref": round(ref, 3)}
        if via:
            cmd["via"] = via
        if self.boot:
            cmd["boot"] = self.boot
        if by:
            cmd["by"] = by
        out = self.runtime.submit(cmd)
        if not out.ok:  # a shape the engine refuses: a bug here, never a state to act on
            log.error("clock: the fact %s was refused: %s", cmd, out.refusal)
            return cmd
        self.clock.logged(new, pending)
        if step:
            log.warning("clock: the hall clock moved %+.1f s (%s%s); times stamped since the clock was last "
                        "synchronized are corrected by it", step, cause, f", by {by}" if by else "")
        return cmd
