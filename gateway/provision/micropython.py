"""MicroPython itself onto a blank ESP32, with esptool (`hallctl flash-micropython`).

The maintainer keeps the MicroPython images in a folder, named as micropython.org names them
(ESP32_GENERIC-20250415-v1.25.0.bin, ESP32_GENERIC_S3-SPIRAM_OCT-…), with a SHA256SUMS file
beside them (`sha256sum *.bin > SHA256SUMS`, checked once against a trusted download). For
the chip esptool finds on the port the newest plain image of its board is chosen (a variant
such as SPIRAM only when asked: the firmware is sized for an ESP32 without PSRAM), its hash
checked before anything is written, then the flash erased, the image written (esptool checks
its own MD5 of what arrived) and read back against the file (verify-flash)."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gateway.provision.flash import FlashError

# chip (esptool's name) -> (MicroPython board, offset of the image in flash)
BOARDS = {"esp32": ("ESP32_GENERIC", 0x1000), "esp32s2": ("ESP32_GENERIC_S2", 0x1000),
          "esp32s3": ("ESP32_GENERIC_S3", 0x0), "esp32c3": ("ESP32_GENERIC_C3", 0x0),
          "esp32c6": ("ESP32_GENERIC_C6", 0x0)}
IMAGE = re.compile(r"^(?P<board>ESP32_GENERIC(?:_[SC]\d)?)(?:-(?P<variant>[A-Z][A-Z0-9_]*))?"
                   r"-(?P<date>\d{8})-v(?P<version>\d+\.\d+\.\d+)\.bin$")
CHIP = re.compile(r"Chip (?:type:\s*|is\s+)ESP32(?:-([SC]\d))?", re.I)
BAUD = 460800


@dataclass(frozen=True)
class Image:
    path: Path
    board: str
    variant: str | None
    date: str
    version: tuple[int, int, int]


def parse(path: Path) -> Image | None:
    m = IMAGE.match(path.name)
    if not m:
        return None
    major, minor, patch = (int(x) for x in m["version"].split("."))
    return Image(path, m["board"], m["variant"], m["date"], (major, minor, patch))


def images(folder: Path) -> list[Image]:
    return [i for p in sorted(folder.glob("*.bin")) if (i := parse(p)) is not None]


def select(found: list[Image], chip: str, variant: str | None = None, version: str | None = None) -> Image:
    """The newest image (then the latest build date) of the chip's board and variant."""
    if chip not in BOARDS:
        raise FlashError(f"chip {chip!r}: no MicroPython board known for it (known: {', '.join(BOARDS)})")
    board = BOARDS[chip][0]
    want = tuple(int(x) for x in version.split(".")) if version else None
    fit = [i for i in found if i.board == board and i.variant == variant and (want is None or i.version == want)]
    if not fit:
        have = ", ".join(i.path.name for i in found) or "no images"
        raise FlashError(f"no image for {board}{'-' + variant if variant else ''}"
                         f"{' v' + version if version else ''} among: {have}")
    return max(fit, key=lambda i: (i.version, i.date))


def expected_hash(image: Path, given: str | None = None) -> str:
    if given:
        return given.strip().lower()
    sums = image.parent / "SHA256SUMS"
    if sums.exists():
        for line in sums.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].lstrip("*") == image.name:
                return parts[0].lower()
    raise FlashError(f"{image.name}: no known sha256 (give --sha256, or record it in {sums} with "
                     f"`sha256sum {image.name} >> SHA256SUMS` from a download you trust)")


def check_hash(image: Path, want: str) -> str:
    got = hashlib.sha256(image.read_bytes()).hexdigest()
    if got != want:
        raise FlashError(f"{image.name}: sha256 is {got}, expected {want}: not the image you recorded; "
                         "nothing was written")
    return got


def esptool(port: str, chip: str = "auto", baud: int = BAUD, attempts: int = 7) -> list[str]:
    return [sys.executable, "-m", "esptool", "--chip", chip, "--port", port, "--baud", str(baud),
            "--connect-attempts", str(attempts)]


def commands(port: str, chip: str, image: Path, erase: bool = True, baud: int = BAUD,
             attempts: int = 7) -> list[list[str]]:
    """Erase, write (flash size kept as the image says, so the read-back matches), verify."""
    base, at = esptool(port, chip, baud, attempts), hex(BOARDS[chip][1])
    out = [base + ["erase-flash"]] if erase else []
    return out + [base + ["write-flash", "--flash-size", "keep", "-z", at, str(image)],
                  base + ["verify-flash", "--flash-size", "keep", at, str(image)]]


def chip_of(output: str) -> str:
    m = CHIP.search(output)
    if not m:
        raise FlashError("esptool did not say which chip it found")
    return "esp32" + (m.group(1) or "").lower()


def _run(cmd: list[str], port: str, log) -> str:
    log("$ " + " ".join(cmd[2:]))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = p.stdout + p.stderr
    for line in out.splitlines():
        if line.strip():
            log("  " + line.strip())
    if p.returncode:
        if "Failed to connect" in out or "No serial data received" in out or "could not open port" in out:
            raise FlashError(f"{port}: no ESP32 answered (hold BOOT while pressing EN, check the cable and port)")
        raise FlashError(f"{port}: esptool {cmd[cmd.index('--connect-attempts') + 2]} failed "
                         f"(exit {p.returncode})")
    return out


def flash(port: str, folder: Path | None, image: Path | None = None, chip: str | None = None,
          variant: str | None = None, version: str | None = None, sha256: str | None = None,
          erase: bool = True, baud: int = BAUD, attempts: int = 7, log=print) -> Image:
    if image is not None:
        chosen = parse(image)
        if chip is None or chosen is None:
            raise FlashError(f"{image.name}: give --chip with an image, named as micropython.org names them")
        if chosen.board != BOARDS[chip][0]:
            raise FlashError(f"{image.name} is for {chosen.board}, the chip is {chip} ({BOARDS[chip][0]})")
    else:
        if folder is None:
            raise FlashError("give --images DIR (or --image FILE)")
        found = images(folder)
        if chip is None:
            chip = chip_of(_run(esptool(port, "auto", baud, attempts) + ["chip-id"], port, log))
            log(f"{port}: {chip}")
        chosen = select(found, chip, variant, version)
    digest = check_hash(chosen.path, expected_hash(chosen.path, sha256))
    log(f"{chosen.path.name}: sha256 {digest[:16]}… as recorded; flashing {port} ({chip})")
    for cmd in commands(port, chip, chosen.path, erase, baud, attempts):
        out = _run(cmd, port, log)
        if "write-flash" in cmd and "Hash of data verified" not in out:
            raise FlashError(f"{port}: esptool did not confirm the hash of what it wrote")
        if "verify-flash" in cmd and "verify OK" not in out and "Verification successful" not in out:
            raise FlashError(f"{port}: the flash does not read back as {chosen.path.name}")
    return chosen
