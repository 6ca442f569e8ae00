"""A hall's voice: its audio config and loaded packs, turning a call into PCM.

Loading checks the packs against the hall: every template word, every ticket
prefix letter and every window number must have its clips, or a clear error
names the missing clip before the hall opens.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

from gateway.audio import RATE, build, mix, pack, schedule, template
from gateway.audio.template import Clip, Pause, Step


class HallVoice:
    def __init__(self, audio, packs: list[pack.VoicePack], timezone: str = "Asia/Shanghai"):
        self.audio, self.packs = audio, packs
        self.tz = zoneinfo.ZoneInfo(timezone)
        self.rate = RATE

    def steps(self, ticket: str, window: int) -> list[Step]:
        a = self.audio
        first = template.phrase(a.template, self.packs[0].words, self.packs[0].reader, ticket, window,
                                0, f"voice pack {self.packs[0].name!r}")
        second = None
        if a.second_template and len(self.packs) > 1:
            second = template.phrase(a.second_template, self.packs[1].words, self.packs[1].reader, ticket,
                                     window, 1, f"voice pack {self.packs[1].name!r}")
        return template.announcement(first, second, a.repeat, a.chime)

    def chunks(self, steps: list[Step], percent: int = 100) -> Iterator[bytes]:
        """PCM step by step: the first (the chime) is ready at once, the rest follows."""
        for s in steps:
            if isinstance(s, Pause):
                yield mix.silence(s.ms)
            else:
                yield self.packs[s.pack].pcm(s.id, percent)

    def render(self, ticket: str, window: int, percent: int = 100) -> bytes:
        return b"".join(self.chunks(self.steps(ticket, window), percent))

    def local(self, epoch: float) -> dt.time:
        return dt.datetime.fromtimestamp(epoch, self.tz).time()

    def quiet(self, epoch: float) -> bool:
        return schedule.is_quiet(self.audio.quiet_hours, self.local(epoch))

    def volume(self, epoch: float) -> int:
        return schedule.volume_at(self.audio.volume, self.local(epoch))

    def warm(self) -> None:
        """Scale every clip to every scheduled volume now, so a call only joins bytes."""
        percents = [p for _, p in self.audio.volume] or [100]
        for p in self.packs:
            p.warm(percents)

    def check(self, prefixes, windows) -> None:
        """Render the steps of every prefix and window (digits 0-9) so a missing clip fails now."""
        for prefix in sorted(set(prefixes)) or [""]:
            for w in sorted(set(windows)) or [1]:
                for digits in ("01234", "56789"):
                    for s in self.steps(prefix + digits, w):
                        if isinstance(s, Clip):
                            self.packs[s.pack].require([s.id], f"ticket {prefix}{digits}, window {w}")


def load(hall, voice_root: Path | None = None) -> HallVoice:
    """The voice of a validated hall (gateway.config.Hall); built-in packs are built on first use."""
    base = Path(hall.source).parent if hall.source else None
    names = [hall.audio.voice_pack] + ([hall.audio.second_voice_pack] if hall.audio.second_template else [])
    packs = [pack.load(build.resolve(n, voice_root, base)) for n in names]
    voice = HallVoice(hall.audio, packs, hall.timezone)
    voice.check([s.prefix for s in hall.services], [w.number for w in hall.windows])
    return voice
