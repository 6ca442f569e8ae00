"""The one playback queue: calls play in order, each to its end, on one worker thread.

A call is never cut off by the next. A recall is queued like a call (the same
words again); a call already waiting is not queued twice. When more than
max_queued wait, older calls of a window that has called again are dropped.
Quiet hours suppress calls; the volume schedule sets the loudness. The
amplifier is on from the first announcement until the queue drains.

What each announcement came to goes to `health` (gateway/audio/health.py): a player that
fails (no sound card) is told once per kind in the log and shows on /healthz and the
dashboard; a player with probe() (ALSA) is tried once at start, before the first call.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque

from gateway.audio import AudioError, schedule
from gateway.audio.health import AudioHealth
from gateway.audio.schedule import Call

log = logging.getLogger(__name__)


class Announcer:
    def __init__(self, voice, player, amp=None, max_queued: int = 4, clock=time.time,
                 health: AudioHealth | None = None):
        self.voice, self.player, self.amp = voice, player, amp
        self.health = health or AudioHealth(clock)
        self._unexpected: set[type] = set()  # error types whose traceback is in the log already
        self.max_queued, self.clock = max_queued, clock
        self._queue: deque[Call] = deque()
        self._playing: Call | None = None
        self._cv = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.dropped: list[tuple[Call, str]] = []  # (call, reason), for the log and tests

    def call(self, c: Call) -> str:
        """Queue a call: "queued", or why not ("quiet", "duplicate", "stopped"). Never blocks on audio."""
        if self.voice.quiet(self.clock()):
            return self._drop(c, "quiet")
        with self._cv:
            if self._stopping:
                return "stopped"
            if any(q.number == c.number and q.window == c.window for q in self._queue):
                return self._drop(c, "duplicate")
            self._queue.append(c)
            kept, gone = schedule.prune(list(self._queue), self.max_queued)
            self._queue = deque(kept)
            self._cv.notify_all()
        for g in gone:
            self._drop(g, "stale")
        return "queued"

    def _drop(self, c: Call, why: str) -> str:
        log.info("not announcing %s at window %s: %s", c.number, c.window, why)
        self.dropped.append((c, why))
        return why

    def start(self) -> None:
        self.voice.warm()
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let the announcement playing now finish; drop what waits."""
        with self._cv:
            self._stopping = True
            self._queue.clear()
            self._cv.notify_all()
        if self._thread:
            self._thread.join(timeout)
        if self.amp:
            self.amp.off()

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing plays or waits; True when idle."""
        with self._cv:
            return self._cv.wait_for(lambda: not self._queue and self._playing is None, timeout)

    def _check(self) -> None:
        """The player's own check at start (ALSA: a moment of silence), so a missing sound
        card shows before the first citizen is called rather than at that call."""
        probe = getattr(self.player, "probe", None)
        if probe is None:
            return
        try:
            probe(self.voice.rate)
        except AudioError as e:
            self.health.failed(str(e))
        except Exception as e:
            self._failed(e, "checking the player")
        else:
            self.health.played()

    def _failed(self, e: Exception, what: str) -> None:
        if isinstance(e, AudioError):
            self.health.failed(str(e))
            return
        if type(e) not in self._unexpected:  # one traceback per kind of error, not one per call
            self._unexpected.add(type(e))
            log.exception("%s failed", what)
        self.health.failed(f"{type(e).__name__}: {e}")

    def _run(self) -> None:
        self._check()
        while True:
            with self._cv:
                while not self._queue and not self._stopping:
                    if self.amp and self.amp.is_on:
                        self.amp.off()  # the queue drained
                    self._cv.wait()
                if not self._queue:
                    return
                c = self._playing = self._queue.popleft()
            try:
                if self._play(c):
                    self.health.played()
            except Exception as e:
                self._failed(e, f"announcing {c.number} at window {c.window}")
            finally:
                with self._cv:
                    self._playing = None
                    self._cv.notify_all()

    def _play(self, c: Call) -> bool:
        now = self.clock()
        if self.voice.quiet(now):  # it waited into quiet hours
            self._drop(c, "quiet")
            return False
        steps = self.voice.steps(c.number, c.window)
        if self.amp and not self.amp.is_on:
            self.amp.on()
        self.player.play(self.voice.chunks(steps, self.voice.volume(now)), self.voice.rate)
        return True
