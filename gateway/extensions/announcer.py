"""The call-number announcer as a gateway extension: engine ticket_called events -> the hall's speakers.

The hall file's [audio] says whether and how (backend alsa / file / none); ctx.settings.voice_dir
holds the voice packs (default build/voice), alsa_device where ALSA plays; the file backend writes
into <data_dir>/announcements. Tests and the benchmark put a player and a pin factory in
ctx.stand_ins. The announcer speaks by the hall's (maybe simulated) clock, ctx.clock.

The speakers' health (gateway/audio/health.py) is the SPEAKERS port (/healthz check "audio"), and a
failure raises the engine's alert part_fault:audio (a `part_fault` command, so it is in the audited
log and on the dashboard); sound that works again ends it.
"""
from __future__ import annotations

import logging
import time

from gateway.audio import voice
from gateway.audio.amp import DEFAULT_PIN, Amplifier
from gateway.audio.announcer import Announcer
from gateway.audio.health import AudioHealth
from gateway.audio.players import AlsaPlayer, FilePlayer, NullPlayer
from gateway.audio.schedule import Call
from gateway.engine import reads
from gateway.extensions.context import Context
from gateway.extensions.ports import SPEAKERS

PROVIDES = {SPEAKERS: lambda ext: ext.health}
log = logging.getLogger(__name__)


def _player(kind: str, ctx: Context):
    if ctx.stand_ins.audio_player is not None:
        return ctx.stand_ins.audio_player
    if kind == "alsa":
        return AlsaPlayer(ctx.settings.alsa_device)
    if kind == "file":
        return FilePlayer(ctx.data_dir / "announcements")
    return NullPlayer()


def create(ctx: Context):
    hall = ctx.hall
    if not hall.audio.enabled:
        return None
    v = voice.load(hall, ctx.settings.voice_dir)
    player = _player(hall.audio.backend, ctx)
    amp = Amplifier(DEFAULT_PIN, ctx.stand_ins.pin_factory)
    health = AudioHealth(ctx.clock)
    ext = AnnouncerExtension(ctx.runtime, Announcer(v, player, amp, health=health, clock=ctx.clock), ctx.clock)
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
