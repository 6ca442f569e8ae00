"""Playback backends. play(chunks, rate) blocks until the sound is done.

chunks is bytes or an iterable of bytes (16-bit little-endian mono PCM), so an
announcement can start playing while its later parts are still being joined.
"""
from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from gateway.audio import AudioError, mix


def _iter(chunks) -> Iterable[bytes]:
    return (chunks,) if isinstance(chunks, bytes | bytearray) else chunks


def aplay_command(rate: int, device: str | None = None) -> list[str]:
    cmd = ["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-r", str(rate), "-c", "1"]
    if device:
        cmd += ["-D", device]
    return cmd + ["-"]


class AlsaPlayer:
    """Plays through ALSA with aplay (alsa-utils), fed on stdin."""

    def __init__(self, device: str | None = None):
        self.device = device

    def play(self, chunks, rate: int) -> None:
        self._aplay(chunks, rate)

    def probe(self, rate: int) -> None:
        """A twentieth of a second of silence: raises AudioError as a call would (no card)."""
        self._aplay(mix.silence(50), rate)

    def _aplay(self, chunks, rate: int) -> None:
        try:
            proc = subprocess.Popen(aplay_command(rate, self.device), stdin=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise AudioError("aplay is not installed (Debian: apt-get install alsa-utils)") from None
        try:
            for c in _iter(chunks):
                proc.stdin.write(c)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # aplay died; its exit status and stderr say why
        err = proc.stderr.read().decode(errors="replace")
        if proc.wait():
            # One line for the log: ALSA's first word (the cause) and aplay's last (what failed).
            lines = [x.strip() for x in err.splitlines() if x.strip()]
            said = lines[0] + (f" / {lines[-1]}" if len(lines) > 1 else "") if lines else "no message"
            raise AudioError(f"aplay failed ({proc.returncode}): {said[:300]}")


class FilePlayer:
    """Writes each announcement as a numbered WAV and records when it played.

    pace: seconds of waiting per second of audio (1.0 = real time, 0 = instant),
    so tests can make playback take time without taking the full length.
    """

    def __init__(self, folder, pace: float = 0.0):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pace = pace
        self.played: list[dict] = []  # {"path", "start", "end", "first_chunk"} in play order
        self._lock = threading.Lock()

    def play(self, chunks, rate: int) -> None:
        start = time.monotonic()
        parts, first = [], None
        for c in _iter(chunks):
            if first is None:
                first = time.monotonic()
            parts.append(c)
        pcm = b"".join(parts)
        with self._lock:
            path = self.folder / f"{len(self.played) + 1:04d}.wav"
            path.write_bytes(mix.to_wav(pcm, rate))
        if self.pace:
            time.sleep(self.pace * len(pcm) / 2 / rate)
        with self._lock:
            self.played.append({"path": path, "start": start, "end": time.monotonic(), "first_chunk": first})


class NullPlayer:
    """backend = "none": takes the sound and discards it."""

    def play(self, chunks, rate: int) -> None:
        for _ in _iter(chunks):
            pass
