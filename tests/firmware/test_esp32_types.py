"""firmware/ and protocols/ type-check against the ESP32 port's API (micropython-esp32 stubs,
mypy), so a call the ESP32 lacks fails here although the unix port the tests run on has it."""
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT, tool

CONFIG = ROOT / "firmware" / "mypy-esp32.ini"


def mypy(files, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--cache-dir", str(cache),
                           *map(str, files)], capture_output=True, text=True, cwd=ROOT, timeout=300)


def sources(*folders: Path) -> list[Path]:
    return sorted(p for d in folders for p in d.glob("*.py"))


def test_the_firmware_uses_only_what_the_esp32_has(tmp_path):
    assert (ROOT / ".venv" / "esp32-stubs" / "machine.pyi").exists(), "make venv-test installs the ESP32 stubs"
    r = mypy(sources(ROOT / "firmware", ROOT / "protocols"), tmp_path / "cache")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found" in r.stdout


def test_a_call_only_the_unix_port_has_fails(tmp_path):
    # time.clock() and machine.PinBase are in the unix port the tests run the firmware on ...
    probe = "import machine, time\nprint(time.clock() >= 0, hasattr(machine, 'PinBase'))\n"
    r = subprocess.run([tool("micropython"), "-c", probe], capture_output=True, text=True, timeout=30)
    assert r.stdout.split() == ["True", "True"], r.stdout + r.stderr
    # ... and not on an ESP32: a firmware module that uses them fails the check.
    fw = tmp_path / "firmware"
    shutil.copytree(ROOT / "firmware", fw)
    clock = fw / "clock.py"
    clock.write_text(clock.read_text() + "\n\ndef uptime_s():\n    return time.clock()\n\n\n"
                     "import machine\n\n\nclass Spare(machine.PinBase):\n    pass\n")
    r = mypy(sources(fw), tmp_path / "cache")
    assert r.returncode == 1
    assert 'clock.py:' in r.stdout and 'Module has no attribute "clock"' in r.stdout, r.stdout
    assert 'Name "machine.PinBase" is not defined' in r.stdout, r.stdout
