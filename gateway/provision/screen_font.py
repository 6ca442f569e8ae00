"""The call pad's and evaluator's screen font: GNU Unifont 16 px (16x16 for
Chinese, 8x16 for ASCII), only the characters the firmware draws of its own
(every non-ASCII character in a string literal of the screen modules, not in
their comments) and printable ASCII (ticket numbers like A012, digits,
punctuation). Built from the firmware's source each time it is flashed
(`hallctl provision`, the emulated boards), so a word added to a screen is
in the next build; a character Unifont lacks stops the build. The hall's
words (names, reasons, messages) do not come from here: each desired state
carries their glyphs (protocols.desired gl/gb).

The file, `screen.font`, stays in the device's flash and is read by seek
(firmware/screen.py): the glyph looked up by binary search in a sorted index,
its bitmap read into one preallocated 32-byte buffer.

    b"HZ" count:u16          header (big-endian, as every field)
    count x (cp:u16, w:u16)  index, by code point; w: bit 15 set for a 16 px
                             wide glyph, bits 0-14 its offset in the bitmaps
                             in 16-byte units
    bitmaps                  16 rows top to bottom, MSB the left pixel: 2
                             bytes a row (32 a glyph) when wide, else 1 (16)

    python -m gateway.provision.screen_font [DIR]   writes DIR/screen.font
"""
from __future__ import annotations

import functools
import struct
import sys
import tokenize
from pathlib import Path

from gateway.display.render import glyph, text_width
from gateway.provision import firmware_dir

FONT_FILE = "screen.font"
MAGIC = b"HZ"
SCREENS = ("callpad.py", "evaluator.py", "screen.py")   # the modules that draw words on a screen
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
WIDE = 0x8000


def firmware_chars(firmware: Path | None = None) -> str:
    """Every non-ASCII character in a string literal of the screen modules (not their comments)
    of firmware (default: the firmware hallctl flashes)."""
    firmware = firmware or firmware_dir()
    chars: set[str] = set()
    for name in SCREENS:
        with (firmware / name).open("rb") as f:
            for tok in tokenize.tokenize(f.readline):
                if tok.type == tokenize.STRING:
                    chars.update(c for c in tok.string if ord(c) > 127)
    return "".join(sorted(chars))


def font_chars(firmware: Path | None = None) -> str:
    """The font's characters in code point order: printable ASCII and the firmware's own."""
    return "".join(sorted(set(ASCII) | set(firmware_chars(firmware))))


def cell(ch: str) -> bytes:
    """ch's Unifont bitmap as the screen draws it: 16 bytes (8x16) for a
    half-width character, 32 (16x16) for a wide one."""
    g = glyph(ch)
    if g is None or ord(ch) > 0xFFFF:
        raise ValueError(f"screen character {ch!r} (U+{ord(ch):04X}) has no 16 px glyph in Unifont")
    if text_width(ch) <= 8:
        return bytes(g[2 * r] for r in range(16))
    return g


def build(chars: str) -> bytes:
    chars = "".join(sorted(set(chars)))
    index, bits, units = [], [], 0
    for ch in chars:
        b = cell(ch)
        index.append(struct.pack(">HH", ord(ch), (WIDE if len(b) == 32 else 0) | units))
        bits.append(b)
        units += len(b) // 16
    if units >= WIDE:
        raise ValueError(f"{len(chars)} glyphs are too many for the font's 15-bit offsets")
    return MAGIC + struct.pack(">H", len(chars)) + b"".join(index) + b"".join(bits)


@functools.cache
def _font(firmware: Path, stamp: tuple) -> bytes:
    return build(font_chars(firmware))


def font_file(firmware: Path | None = None) -> bytes:
    """The font for the firmware as its screen modules are now (built again when one changes)."""
    firmware = firmware or firmware_dir()
    stamp = tuple((firmware / n).stat().st_mtime_ns for n in SCREENS)
    return _font(firmware, stamp)


def parse(data: bytes) -> dict[str, bytes]:
    """A font file's glyphs by character (16 or 32 bytes each, as in the file)."""
    if data[:2] != MAGIC:
        raise ValueError("not a screen font (no HZ header)")
    n = struct.unpack_from(">H", data, 2)[0]
    base = 4 + 4 * n
    out = {}
    for i in range(n):
        cp, w = struct.unpack_from(">HH", data, 4 + 4 * i)
        at = base + (w & ~WIDE) * 16
        out[chr(cp)] = data[at:at + (32 if w & WIDE else 16)]
    return out


def write(out: Path) -> Path:
    dst = out / FONT_FILE
    dst.write_bytes(font_file())
    return dst


if __name__ == "__main__":
    dst = write(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    chars = font_chars()
    print(f"{dst}: {len(chars)} glyphs ({len(chars) - len(ASCII)} of the firmware's own), "
          f"{dst.stat().st_size} bytes")
