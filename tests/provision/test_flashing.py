"""Flashing shows its progress (files, bytes) and checks each file's hash on the device (the real
MicroPython REPL on a pty); `hallctl flash-micropython`: image selection, the image's hash
checked before anything is written, esptool's command lines, and a port without an ESP32."""
import hashlib
import os
import pty
import subprocess
import sys
import tty
from pathlib import Path

import pytest

from gateway.provision import flash, micropython
from gateway.provision.flash import FlashError
from hil.board.serial_line import SerialLine
from tests.support import ROOT

COUNTY = ROOT / "hall_config" / "county.toml"


def hallctl(*args, stdin: str = ""):
    # stdin is a pipe, never the terminal pytest runs in: the Wi-Fi password, where asked, is its line.
    return subprocess.run([sys.executable, "-m", "gateway.provision.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, input=stdin)


def test_provision_reports_files_and_bytes_and_each_hash(tmp_path):
    with SerialLine(tmp_path / "flash") as line:
        out = hallctl("provision", "--config", str(COUNTY), "--device", "w02-pad", "--wifi-ssid", "hall",
                      "--port", line.port, "--broker-host", "192.168.10.2", stdin="hall-wifi-key\n")
    assert out.returncode == 0, out.stderr
    steps = [ln for ln in out.stdout.splitlines() if "] " in ln and "verified" in ln]
    files = sorted((tmp_path / "flash").iterdir())
    assert len(steps) == len(files) and steps[-1].split("] ")[1].startswith("config.json")
    total = sum(f.stat().st_size for f in files)
    assert steps[-1].endswith(f"({total}/{total} bytes, 100%)")
    main = (tmp_path / "flash" / "main.py").read_bytes()
    assert any(f"main.py {len(main)} bytes, sha256 {hashlib.sha256(main).hexdigest()[:12]} verified" in s
               for s in steps)


class Mangling:
    """mpremote's transport, except that one file's bytes change on the way (a flaky cable)."""

    def __init__(self, t, name):
        self.t, self.name = t, name

    def fs_writefile(self, dest, data, **kw):
        if dest == self.name:
            data = data[:-1] + bytes([data[-1] ^ 1])
        return self.t.fs_writefile(dest, data, **kw)

    def fs_hashfile(self, path, algo):
        return self.t.fs_hashfile(path, algo)


def test_a_file_that_reads_back_wrong_stops_the_flashing(tmp_path):
    (tmp_path / "out").mkdir()
    files = flash.build(tmp_path / "out", {"device": "x"})
    with SerialLine(tmp_path / "flash") as line:
        t = flash.open_repl(line.port)
        try:
            with pytest.raises(FlashError, match="mqtt.mpy reads back with sha256 .* nothing after it was written"):
                flash.write_verified(Mangling(t, "mqtt.mpy"), line.port, files, log=lambda s: None)
        finally:
            t.exit_raw_repl()
            t.close()
    assert "config.json" not in {p.name for p in (tmp_path / "flash").iterdir()}  # the device cannot boot into it


NAMES = ["ESP32_GENERIC-20240222-v1.22.2.bin", "ESP32_GENERIC-20250415-v1.25.0.bin",
         "ESP32_GENERIC-SPIRAM-20250415-v1.25.0.bin", "ESP32_GENERIC-OTA-20250415-v1.25.0.bin",
         "ESP32_GENERIC_S3-20250415-v1.25.0.bin", "ESP32_GENERIC_C3-20250415-v1.25.0.bin",
         "ESP32_GENERIC-20250809-v1.26.0-preview.12.g0123abc.bin", "notes.bin"]


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "images"
    d.mkdir()
    for n in NAMES:
        (d / n).write_bytes(n.encode() * 100)
    (d / "SHA256SUMS").write_text("".join(f"{hashlib.sha256((d / n).read_bytes()).hexdigest()}  {n}\n"
                                          for n in NAMES))
    return d


def test_image_selection(folder):
    found = micropython.images(folder)
    assert len(found) == 6  # previews and other files are not images to choose
    assert micropython.select(found, "esp32").path.name == "ESP32_GENERIC-20250415-v1.25.0.bin"
    assert micropython.select(found, "esp32", "SPIRAM").path.name == "ESP32_GENERIC-SPIRAM-20250415-v1.25.0.bin"
    assert micropython.select(found, "esp32", version="1.22.2").path.name == "ESP32_GENERIC-20240222-v1.22.2.bin"
    assert micropython.select(found, "esp32s3").path.name == "ESP32_GENERIC_S3-20250415-v1.25.0.bin"
    with pytest.raises(FlashError, match="no image for ESP32_GENERIC_C6 among"):
        micropython.select(found, "esp32c6")
    assert micropython.chip_of("Connecting....\nConnected to ESP32 on /dev/ttyUSB0:\n"
                               "Chip type:          ESP32-D0WD-V3 (revision v3.1)\n") == "esp32"
    assert micropython.chip_of("Chip is ESP32-S3 (QFN56) (revision v0.2)") == "esp32s3"
    assert micropython.chip_of("Chip type: ESP32-C3 (QFN32) (revision v0.4)") == "esp32c3"


def test_command_lines():
    img = Path("/imgs/ESP32_GENERIC-20250415-v1.25.0.bin")
    cmds = micropython.commands("/dev/ttyUSB0", "esp32", img)
    base = [sys.executable, "-m", "esptool", "--chip", "esp32", "--port", "/dev/ttyUSB0", "--baud", "460800",
            "--connect-attempts", "7"]
    assert cmds == [base + ["erase-flash"],
                    base + ["write-flash", "--flash-size", "keep", "-z", "0x1000", str(img)],
                    base + ["verify-flash", "--flash-size", "keep", "0x1000", str(img)]]
    s3 = micropython.commands("/dev/ttyACM0", "esp32s3", img, erase=False)
    assert [c[c.index("--connect-attempts") + 2] for c in s3] == ["write-flash", "verify-flash"]
    assert s3[0][-2] == "0x0"  # the S3 and C3 images start at 0
    # esptool takes them: each sub-command and option exists in the installed esptool
    for sub in ("erase-flash", "write-flash", "verify-flash"):
        h = subprocess.run([sys.executable, "-m", "esptool", sub, "--help"], capture_output=True, text=True,
                           timeout=60)
        assert h.returncode == 0 and ("--flash-size" in h.stdout or sub == "erase-flash"), h.stderr


def test_a_tampered_image_is_refused_before_esptool_runs(folder, tmp_path):
    img = folder / "ESP32_GENERIC-20250415-v1.25.0.bin"
    img.write_bytes(img.read_bytes() + b"\0")  # not what SHA256SUMS recorded
    out = hallctl("flash-micropython", "--port", str(tmp_path / "no-such-port"), "--images", str(folder),
                  "--chip", "esp32")
    assert out.returncode == 1
    assert "sha256 is" in out.stderr and "nothing was written" in out.stderr and "$ " not in out.stdout
    unknown = tmp_path / "ESP32_GENERIC-20250101-v1.24.0.bin"
    unknown.write_bytes(b"x")
    out = hallctl("flash-micropython", "--port", "/dev/null", "--image", str(unknown), "--chip", "esp32")
    assert out.returncode == 1 and "no known sha256" in out.stderr


def test_a_port_without_an_esp32(folder):
    master, slave = pty.openpty()  # a serial line nobody answers on
    tty.setraw(slave)
    try:
        out = hallctl("flash-micropython", "--port", os.ttyname(slave), "--images", str(folder),
                      "--connect-attempts", "1", "--baud", "115200")
    finally:
        os.close(master)
        os.close(slave)
    assert out.returncode == 1, out.stdout
    assert "no ESP32 answered" in out.stderr and "chip-id" in out.stdout
