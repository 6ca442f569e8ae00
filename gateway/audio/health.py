"""Whether the hall's speakers work, from what each announcement (and the check at start)
came to: for /healthz, the dashboard's alert and the log.

The log gets one line when a kind of failure begins (no sound card, card busy, no aplay, any
other) and one when sound works again, not a traceback per call: with no card every call of
the day fails the same way. A change (working <-> failing, or another cause) is handed to
on_change(ok, cause), which the announcer's extension turns into a `part_fault` command.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("hallgw.audio")

# cause -> (Chinese, English): what a person reads, what the log says
CAUSES = {"no_card": ("找不到声卡", "no sound card"), "busy": ("声卡被其他程序占用", "the sound card is busy"),
          "bad_device": ("找不到设定的音频设备", "the configured ALSA device does not exist"),
          "no_player": ("未安装音频播放程序", "aplay is not installed"),
          "failed": ("播放失败", "playing failed")}


def cause_of(error: str) -> str:
    """The kind of an audio error, from aplay's (ALSA's) own words."""
    e = error.lower()
    if ("cannot find card" in e or "cannot get card" in e or "no soundcards" in e or "no such device" in e
            or "/dev/snd" in e):
        return "no_card"
    if "unknown pcm" in e:
        return "bad_device"
    if "device or resource busy" in e:
        return "busy"
    if "not installed" in e or "no such file or directory: 'aplay'" in e:
        return "no_player"
    return "failed"


class AudioHealth:
    def __init__(self, clock: Callable[[], float] = time.time,
                 on_change: Callable[[bool, str | None], None] | None = None):
        self.clock, self.on_change = clock, on_change
        self.lock = threading.Lock()
        self.ok: bool | None = None  # None: nothing played or checked yet
        self.cause: str | None = None
        self.error: str | None = None  # the last error, in English, as the player gave it
        self.since: float | None = None
        self.failures = 0  # announcements (and checks) that failed since sound last worked
        self._logged: set[str] = set()

    def failed(self, error: str) -> None:
        cause = cause_of(error)
        with self.lock:
            first_of_kind = cause not in self._logged
            self._logged.add(cause)
            changed = self.ok is not False or self.cause != cause
            if self.ok is not False:
                self.since = self.clock()
            self.ok, self.cause, self.error = False, cause, error
            self.failures += 1
        if first_of_kind:
            log.warning("hall speakers: %s (%s): %s; each further failure of this kind is counted, not logged",
                        CAUSES[cause][1], cause, error)
        if changed:
            self._tell(False, cause)

    def played(self) -> None:
        with self.lock:
            was = self.ok
            self.ok, self.cause, self.error, self.failures = True, None, None, 0
            self._logged.clear()
            if was is not True:
                self.since = self.clock()
        if was is False:
            log.info("hall speakers: sound works again")
        if was is not True:
            self._tell(True, None)

    def _tell(self, ok: bool, cause: str | None) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(ok, cause)
        except Exception:
            log.exception("hall speakers: could not record the change (ok=%s, cause=%s)", ok, cause)

    def view(self) -> dict:
        """For /healthz: ok (or None before anything played), the cause in Chinese, the error as given."""
        with self.lock:
            return {"ok": self.ok, "cause": self.cause,
                    "reason": CAUSES[self.cause][0] if self.cause else None,
                    "error": self.error, "since": self.since, "failures": self.failures}
