"""Generate a built-in voice pack offline: espeak-ng speaks, sox converts to 16 kHz mono s16.

Built packs are cached: a pack is rebuilt only when its spec, this builder or
espeak-ng changes (the key is stored in the manifest). Clips are trimmed of
leading and trailing silence so they join tightly, and peak-normalised so
every word is equally loud.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from gateway.audio import RATE, AudioError, defaults, pack

BUILDER = 1  # bump when the commands below change what they produce
TO_CLIP = ["-r", str(RATE), "-c", "1", "-b", "16"]
# trim silence below 1 % at both ends (reverse, trim the start, reverse back), then -3 dBFS peak
TRIM = ["silence", "1", "0.01", "1%", "reverse", "silence", "1", "0.01", "1%", "reverse", "gain", "-n", "-3"]


def default_root() -> Path:
    return Path(os.environ.get("HALLGW_VOICE_DIR") or Path.cwd() / "build" / "voice")


def _run(cmd: list[str]) -> None:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise AudioError(f"{cmd[0]} is not installed (Debian: apt-get install espeak-ng sox)") from None
    if r.returncode:
        raise AudioError(f"{' '.join(cmd[:3])} ... failed ({r.returncode}): {r.stderr.strip()[:300]}")


def _espeak_version() -> str:
    try:
        return subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        raise AudioError("espeak-ng is not installed (Debian: apt-get install espeak-ng sox)") from None


def cache_key(spec: defaults.PackSpec) -> str:
    doc = json.dumps([BUILDER, asdict(spec), _espeak_version()], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


def _speak(spec: defaults.PackSpec, cid: str, text: str, work: Path, out: Path) -> None:
    raw = work / f"{cid}.raw.wav"
    _run(["espeak-ng", "-v", spec.voice, "-s", str(spec.speed), "-m", "-w", str(raw), text])
    _run(["sox", str(raw), *TO_CLIP, str(out / f"{cid}.wav"), *TRIM])


def _chime(work: Path, out: Path) -> None:
    # ding-dong: G5 then E5, each with a soft attack and a long decay
    parts = []
    for i, (freq, secs) in enumerate((("784", "0.28"), ("659", "0.5"))):
        p = work / f"chime{i}.wav"
        _run(["sox", "-n", *TO_CLIP, str(p), "synth", secs, "sine", freq,
              "fade", "t", "0.01", secs, str(float(secs) * 0.6), "vol", "0.5"])
        parts.append(str(p))
    _run(["sox", *parts, str(out / "chime.wav")])


def build(name: str, out: Path, jobs: int = 4) -> Path:
    """Build the built-in pack `name` into folder `out` (replaced when complete)."""
    spec = defaults.SPECS.get(name)
    if spec is None:
        raise AudioError(f"no built-in voice pack {name!r} (built-in: {', '.join(defaults.SPECS)})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    key = cache_key(spec)
    texts = defaults.clip_texts(spec)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        work, stage = Path(tmp) / "work", Path(tmp) / "pack"
        work.mkdir()
        stage.mkdir()
        with ThreadPoolExecutor(jobs) as ex:
            futures = [ex.submit(_speak, spec, cid, t, work, stage) for cid, t in texts.items()]
            futures.append(ex.submit(_chime, work, stage))
            for f in futures:
                f.result()
        clips = {cid: {"file": f"{cid}.wav", "text": t} for cid, t in texts.items()}
        clips["chime"] = {"file": "chime.wav", "text": "(chime)"}
        manifest = {"name": spec.name, "reader": spec.reader, "rate": RATE, "words": spec.words,
                    "clips": clips, "build": {"key": key, "voice": spec.voice, "speed": spec.speed}}
        (stage / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        pack.load(stage)  # never install a pack that does not load
        if out.exists():
            shutil.rmtree(out)
        stage.rename(out)
    return out


def is_current(name: str, folder: Path) -> bool:
    try:
        doc = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return doc.get("build", {}).get("key") == cache_key(defaults.SPECS[name])


def ensure(name: str, root: Path | None = None) -> Path:
    """The folder of built-in pack `name` under root, built on first use. Two processes asking
    at once (a gateway and `hallgw voice build`, tests side by side) build it once: the second
    waits on a lock beside the packs and finds it current."""
    folder = Path(root or default_root()) / name
    if is_current(name, folder):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_current(name, folder):
            build(name, folder)
    return folder


def resolve(voice_pack: str, root: Path | None = None, base: Path | None = None) -> Path:
    """A config's voice_pack: a built-in name, or a folder (relative to the hall file's folder)."""
    if voice_pack in defaults.SPECS:
        return ensure(voice_pack, root)
    p = Path(voice_pack)
    if not p.is_absolute() and base is not None:
        p = base / p
    if not p.is_dir():
        raise AudioError(f"voice pack {voice_pack!r}: no such folder ({p}); built-in packs: {', '.join(defaults.SPECS)}")
    return p
