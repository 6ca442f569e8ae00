"""PCM arithmetic on 16 kHz mono signed 16-bit samples (array('h'), no numpy)."""
from __future__ import annotations

import io
import sys
import wave
from array import array

from gateway.audio import RATE

FADE_SAMPLES = RATE * 4 // 1000  # 4 ms: long enough to hide a click, too short to hear


def _samples(pcm: bytes) -> array:
    a = array("h")
    a.frombytes(pcm)
    if sys.byteorder == "big":
        a.byteswap()
    return a


def _bytes(a: array) -> bytes:
    if sys.byteorder == "big":
        a = array("h", a)
        a.byteswap()
    return a.tobytes()


def fade_edges(pcm: bytes, n: int = FADE_SAMPLES) -> bytes:
    """Ramp the first and last n samples from/to exactly zero, so any two clips join without a step."""
    a = _samples(pcm)
    n = min(n, len(a) // 2)
    for i in range(n):
        a[i] = a[i] * i // n
        a[-1 - i] = a[-1 - i] * i // n
    return _bytes(a)


def scale(pcm: bytes, percent: int) -> bytes:
    if percent == 100:
        return pcm
    return _bytes(array("h", [s * percent // 100 for s in _samples(pcm)]))


def silence(ms: int) -> bytes:
    return bytes(2 * RATE * ms // 1000)


def samples(pcm: bytes) -> list[int]:
    return list(_samples(pcm))


def to_wav(pcm: bytes, rate: int = RATE) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def read_wav(path) -> tuple[bytes, int, int, int]:
    """(pcm, rate, channels, sample width in bytes) of a WAV file."""
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes()), w.getframerate(), w.getnchannels(), w.getsampwidth()
