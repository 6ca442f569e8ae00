"""The call-number announcer as a gateway extension: engine ticket_called events -> the hall's speakers.

options used (all optional): hall or config_path (when the runtime does not expose the
hall), voice_dir (built-in packs, default build/voice), data_dir, audio_out
(file backend folder, default <data_dir>/announcements), audio_backend
(override hall.audio.backend), amp_pin (BCM, default 18), alsa_device;
audio_player and audio_clock inject a player and a clock for tests and the benchmark.

The speakers' health (gateway/audio/health.py) is on /healthz (check "audio"), and a failure
raises the engine's alert part_fault:audio (a `part_fault` command, so it is in the audited log
and on the dashboard); sound that works again ends it.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from gateway.audio import AudioError, voice
from gateway.audio.amp import DEFAULT_PIN, Amplifier
from gateway.audio.announcer import Announcer
from gateway.audio.health import AudioHealth
from gateway.audio.players import AlsaPlayer, FilePlayer, NullPlayer
from gateway.audio.schedule import Call
from gateway.engine import reads

ORDER = 60
log = logging.getLogger(__name__)


def _hall(runtime, options):
    hall = options.get("hall") or getattr(runtime, "hall", None)
    if hall is None and options.get("config_path"):
        from gateway.config import load_file
        hall = load_file(options["config_path"])
    if hall is None:
        raise AudioError("announcer: no hall (the runtime exposes none and options has no config_path)")
    return hall


def _player(kind: str, options: dict):
    if options.get("audio_player") is not None:
        return options["audio_player"]
    if kind == "alsa":
        return AlsaPlayer(options.get("alsa_device"))
    if kind == "file":
        out = options.get("audio_out") or Path(options.get("data_dir") or "data") / "announcements"
        return FilePlayer(out)
    return NullPlayer()


def create(runtime, options: dict):
    hall = _hall(runtime, options)
    if not hall.audio.enabled:
        return None
    v = voice.load(hall, Path(options["voice_dir"]) if options.get("voice_dir") else None)
    player = _player(options.get("audio_backend") or hall.audio.backend, options)
    amp = Amplifier(int(options.get("amp_pin", DEFAULT_PIN)), options.get("amp_pin_factory"))
    clock = options.get("audio_clock") or options.get("clock")   # the hall's (maybe simulated) day
    kw = {"clock": clock} if clock else {}
    health = AudioHealth(clock or time.time)
    ext = AnnouncerExtension(runtime, Announcer(v, player, amp, health=health, **kw),
                             options.get("clock") or clock or time.time)
    health.on_change = ext.speakers_changed
    return ext


ALERT = "part_fault:audio"


class AnnouncerExtension:
    def __init__(self, runtime, announcer: Announcer, clock=time.time):
        self.runtime, self.announcer, self.clock = runtime, announcer, clock
        self.player = announcer.player
        self.health = announcer.health
        self._running = False
        self._subscribed = False

    def start(self) -> None:
        self.announcer.start()
        self._running = True
        if not self._subscribed:
            self.runtime.subscribe(self.on_events)
            self._subscribed = True

    def stop(self) -> None:
        self._running = False
        self.announcer.stop()
        self.announcer.amp.close()

    def speakers_changed(self, ok: bool, cause: str | None) -> None:
        """On the announcer's thread: the engine's alert follows the speakers (only a change is
        logged: after a restart the alert may be up already, or not)."""
        alert = self.runtime.read(lambda eng: reads.alert(eng, ALERT))
        up = alert is not None
        if up == (not ok) and (ok or alert.get("cause") == cause):
            return
        if up and not ok:  # another cause: the alert says the new one
            self.runtime.submit({"type": "part_fault", "at": self.clock(), "part": "audio", "active": False})
        cmd = {"type": "part_fault", "at": self.clock(), "part": "audio", "active": not ok}
        if cause:
            cmd["cause"] = cause
        out = self.runtime.submit(cmd)
        if not out.ok:
            log.error("announcer: the speakers' alert was refused: %s", out.refusal)

    def on_events(self, events: list[dict]) -> None:
        """Runs on the runtime's commit path: only queues, never waits for audio."""
        if not self._running:
            return
        for e in events:
            if e.get("type") != "ticket_called":
                continue
            try:
                self.announcer.call(Call(str(e["number"]), int(e["window"]), int(e.get("recall") or 0),
                                         float(e.get("at") or 0)))
            except (KeyError, TypeError, ValueError) as err:
                log.warning("announcer: ignoring malformed ticket_called %r: %s", e, err)
