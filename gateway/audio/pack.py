"""A voice pack: a folder of 16 kHz mono s16 WAV clips and a manifest.json.

manifest.json:
  {"name": "...", "reader": "zh" | "en", "rate": 16000,
   "words": {"请": "w_qing", ...},            # template text -> clip id
   "clips": {"n0": {"file": "n0.wav", "text": "零"}, "A": {...}, "chime": {...}, ...}}
Loading checks every clip's format and fades its edges once, so announcements
are plain concatenation; per-volume copies are cached.
"""
from __future__ import annotations

import json
import threading
import wave
from pathlib import Path

from gateway.audio import RATE, AudioError, mix, numbers


class VoicePack:
    def __init__(self, name: str, path: Path, reader: str, words: dict[str, str], clips: dict[str, bytes]):
        self.name, self.path, self.reader = name, path, reader
        self.words = words  # casefolded text -> clip id
        self.clips = clips  # clip id -> faded PCM
        self._scaled: dict[tuple[str, int], bytes] = {}
        self._lock = threading.Lock()

    def pcm(self, cid: str, percent: int = 100) -> bytes:
        key = (cid, percent)
        got = self._scaled.get(key)
        if got is None:
            got = mix.scale(self.clips[cid], percent)
            with self._lock:
                self._scaled[key] = got
        return got

    def warm(self, percents) -> None:
        for p in set(percents):
            for cid in self.clips:
                self.pcm(cid, p)

    def require(self, ids, why: str) -> None:
        for cid in ids:
            if cid not in self.clips:
                raise AudioError(f"voice pack {self.name!r} ({self.path}) has no clip {cid!r} ({why})")

    def __repr__(self) -> str:
        return f"VoicePack({self.name!r}, {len(self.clips)} clips)"


def load(path) -> VoicePack:
    path = Path(path)
    mf = path / "manifest.json"
    try:
        doc = json.loads(mf.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AudioError(f"{path} is not a voice pack: no manifest.json") from None
    except (OSError, ValueError) as e:
        raise AudioError(f"{mf}: unreadable manifest: {e}") from None
    if not isinstance(doc, dict):
        raise AudioError(f"{mf}: must be a JSON object")
    name = str(doc.get("name") or path.name)
    reader = doc.get("reader")
    if reader not in numbers.READERS:
        raise AudioError(f"{mf}: reader must be one of {', '.join(numbers.READERS)}, not {reader!r}")
    if doc.get("rate", RATE) != RATE:
        raise AudioError(f"{mf}: rate must be {RATE}, not {doc.get('rate')!r}")
    words, clips_doc = doc.get("words", {}), doc.get("clips")
    if not isinstance(words, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in words.items()):
        raise AudioError(f"{mf}: words must map template text to clip ids")
    if not isinstance(clips_doc, dict) or not clips_doc:
        raise AudioError(f"{mf}: clips must map clip ids to {{\"file\": ...}}")
    clips = {cid: _clip(path, cid, entry) for cid, entry in clips_doc.items()}
    for text, cid in words.items():
        if cid not in clips:
            raise AudioError(f"{mf}: word {text!r} names clip {cid!r}, which is not in clips")
    pack = VoicePack(name, path, reader, {k.casefold(): v for k, v in words.items()}, clips)
    pack.require(numbers.needed(reader), f"the {reader} number reader needs it")
    return pack


def _clip(path: Path, cid: str, entry) -> bytes:
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise AudioError(f"{path}: clip {cid!r} must be {{\"file\": \"name.wav\"}}")
    f = path / entry["file"]
    try:
        pcm, rate, channels, width = mix.read_wav(f)
    except (OSError, wave.Error, EOFError) as e:
        raise AudioError(f"{path}: clip {cid!r} ({entry['file']}): cannot read WAV: {e}") from None
    if (rate, channels, width) != (RATE, 1, 2):
        raise AudioError(f"{path}: clip {cid!r} ({entry['file']}) is {rate} Hz, {channels} channel(s), "
                         f"{8 * width}-bit; a voice pack needs {RATE} Hz mono 16-bit")
    if len(pcm) < 4 * mix.FADE_SAMPLES:
        raise AudioError(f"{path}: clip {cid!r} ({entry['file']}) is empty or too short")
    return mix.fade_edges(pcm)
