"""Audio fixtures: the built-in packs built once per session into the git-ignored build/ cache."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.audio import build
from gateway.config import load_file
from tests.support import ROOT

VOICE_ROOT = ROOT / "build" / "voice"


@pytest.fixture(scope="session")
def voice_root() -> Path:
    for name in ("default", "default-en"):
        build.ensure(name, VOICE_ROOT)
    return VOICE_ROOT


def hall_with_audio(folder: Path, audio_toml: str, base: str = "village.toml"):
    """A copy of an example hall with its [audio] table replaced."""
    text = (ROOT / "hall_config" / base).read_text(encoding="utf-8")
    text = re.sub(r"\[audio\]\n(?:[^\[\n].*\n|\n)*", "[audio]\n" + audio_toml.strip() + "\n\n", text, count=1)
    path = folder / f"hall-{abs(hash(audio_toml))}.toml"
    path.write_text(text, encoding="utf-8")
    return load_file(path)


@pytest.fixture
def make_hall(tmp_path):
    return lambda audio_toml, base="village.toml": hall_with_audio(tmp_path, audio_toml, base)


class EngineRuntime:
    """The runtime's contract (submit, subscribe, read) over the real engine, without a store."""

    def __init__(self, hall):
        from gateway.engine import Engine

        self.engine = Engine(hall)
        self.hall = hall
        self.callbacks = []

    def subscribe(self, cb):
        self.callbacks.append(cb)

    def read(self, view):
        return view(self.engine)

    def submit(self, cmd):
        out = self.engine.handle(cmd)
        for cb in self.callbacks:
            cb(out.events)
        return out


@pytest.fixture
def engine_runtime():
    return EngineRuntime
