"""Is the Pi's clock synchronized? Read from the system, never on a hot path: the watch asks
every few seconds on a thread of its own (gateway/clock/watch.py).

In order, the first that knows:
  HALLGW_CLOCK_STATE   a file in place of the system (tests, the hall simulator): its first word
                       is synchronized or unsynchronized, the second (if any) what keeps it so
  the kernel           adjtimex(2), read-only: its STA_UNSYNC flag is what timesyncd, chrony and
                       ntpd clear once synchronized, and what `timedatectl show -p NTPSynchronized`
                       itself reads (named after the daemon that runs: timesyncd, chrony or ntp)
  chrony               `chronyc -n -c tracking` when the kernel says no and chronyd runs: its leap
                       status "Normal" means synchronized, unless its reference is chrony's own
                       clock (`local stratum 10`, which serves the devices offline: 7F7F0101)
  timesyncd            /run/systemd/timesync/synchronized, where adjtimex cannot be asked
  a battery RTC        /sys/class/rtc/rtc0 (a DS3231, the Pi 5's own with its battery) that keeps a
                       time since 2024 within RTC_AGREE_S of the system clock: the system clock was
                       set from it at boot. An RTC that lost its time (no battery: the Pi 5's reads
                       1970; a DS3231 whose oscillator stopped cannot be read) is not trusted.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENV = "HALLGW_CLOCK_STATE"
STA_UNSYNC = 0x0040
MAXERROR_LIMIT = 16_000_000  # µs: the kernel's NTP_PHASE_LIMIT, past it the time is not kept
LOCAL_REFERENCE = "7F7F0101"  # chrony's reference ID for its own clock (`local`): no time source at all
RTC_FLOOR = 1704067200  # 2024-01-01: an RTC before it lost its time
RTC_AGREE_S = 5.0
TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
RTC = Path("/sys/class/rtc/rtc0")


@dataclass(frozen=True)
class Reading:
    synced: bool
    via: str | None  # timesyncd | chrony | ntp | rtc | simulated | the state file's word
    detail: str  # English, for the log and /healthz


Probe = Callable[[], Reading]


class _Timex(ctypes.Structure):
    # struct timex of <sys/timex.h>: only status and maxerror are read; the tail is room to spare.
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("spare", ctypes.c_byte * 256)]


def kernel_synced() -> bool | None:
    """The kernel's own word (None: it cannot be asked here)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        tx = _Timex()
        if libc.adjtimex(ctypes.byref(tx)) < 0:
            return None
    except (OSError, AttributeError):
        return None
    return not (tx.status & STA_UNSYNC) and tx.maxerror < MAXERROR_LIMIT


def daemon() -> str:
    if Path("/run/systemd/timesync").is_dir():
        return "timesyncd"
    if Path("/run/chrony").is_dir():
        return "chrony"
    return "ntp"


def chrony_synced(run=subprocess.run) -> bool | None:
    exe = shutil.which("chronyc")
    if exe is None or not Path("/run/chrony").is_dir():
        return None
    try:
        out = run([exe, "-n", "-c", "tracking"], capture_output=True, text=True, timeout=2.0)
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = out.stdout.strip().split(",")
    if out.returncode != 0 or len(fields) < 14:
        return None
    return fields[13].strip() == "Normal" and fields[0].upper() != LOCAL_REFERENCE


def rtc_reading(rtc: Path = RTC, now: Callable[[], float] = time.time) -> Reading | None:
    """A trusted RTC's reading, or why it is not trusted (None: there is none)."""
    if not rtc.exists():
        return None
    try:
        kept = int((rtc / "since_epoch").read_text().strip())
    except (OSError, ValueError) as e:
        return Reading(False, None, f"the RTC ({_name(rtc)}) cannot be read, it lost its time ({e})")
    if kept < RTC_FLOOR:
        return Reading(False, None, f"the RTC ({_name(rtc)}) lost its time (no battery?): it says "
                                    f"{time.strftime('%Y-%m-%d', time.gmtime(kept))}")
    off = now() - kept
    if abs(off) > RTC_AGREE_S:
        return Reading(False, None, f"the RTC ({_name(rtc)}) and the system clock differ by {off:+.0f} s")
    return Reading(True, "rtc", f"kept by the battery RTC ({_name(rtc)})")


def _name(rtc: Path) -> str:
    try:
        return (rtc / "name").read_text().strip() or rtc.name
    except OSError:
        return rtc.name


def state_file(path: Path) -> Reading:
    """The double: a file that says what the system would."""
    try:
        words = path.read_text(encoding="utf-8").split()
    except OSError as e:
        return Reading(False, None, f"{path} cannot be read ({e})")
    synced = bool(words) and words[0] == "synchronized"
    return Reading(synced, words[1] if len(words) > 1 else ("file" if synced else None), f"as {path} says")


SLOW_S = 30.0  # chronyc (a process) and the RTC (an I2C read) are asked this seldom while unsynchronized
_slow: dict[str, tuple[float, object]] = {}


def _seldom(name: str, ask: Callable[[], object]) -> object:
    now = time.monotonic()
    got = _slow.get(name)
    if got is None or now - got[0] > SLOW_S:
        got = _slow[name] = (now, ask())
    return got[1]


def system() -> Reading:
    env = os.environ.get(ENV)
    if env:
        return state_file(Path(env))
    k = kernel_synced()
    if k:
        return Reading(True, daemon(), "the kernel's NTP state is synchronized")
    if k is None and TIMESYNCD_FLAG.exists():
        return Reading(True, "timesyncd", f"{TIMESYNCD_FLAG} exists")
    if _seldom("chrony", chrony_synced):
        return Reading(True, "chrony", "chronyc tracking: leap status Normal")
    rtc = _seldom("rtc", rtc_reading)
    if rtc is not None and rtc.synced:
        return rtc
    why = "the kernel's NTP state is unsynchronized" if k is False else "no NTP state can be read"
    return Reading(False, None, why + (f"; {rtc.detail}" if rtc is not None else "; no RTC"))


def simulated() -> Reading:
    """A simulated day's clock (the hall simulator) is right by definition."""
    return Reading(True, "simulated", "a simulated clock")


def chosen(simulated_clock: bool) -> Probe:
    """The probe `hallgw run` uses: the system's, or for a simulated day the simulation's unless
    HALLGW_CLOCK_STATE says otherwise."""
    if simulated_clock and not os.environ.get(ENV):
        return simulated
    return system
