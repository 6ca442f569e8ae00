"""The firmware's own Chinese words (the screens' prompts and notes: 未登录,
请您评价, 已发送 …) as 16x16 glyphs in a file in the device's flash, so desired
states carry only the hall's words (names, reasons, messages).

Format of `ui.glyphs`: the characters in UTF-8 and a newline, then 32 bytes
of bitmap per character in that order (protocols.desired gl/gb layout). The
characters are those in the string literals of the firmware's screen roles
(SCREENS), so a word added to a screen is in the next build; a device without
the file shows its own words in English."""
from __future__ import annotations

import functools
import tokenize
from pathlib import Path

from gateway.display.render import glyph

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
UI_FILE = "ui.glyphs"
SCREENS = ("callpad.py", "evaluator.py")   # the roles that draw words on a screen


@functools.cache
def ui_chars(firmware: Path = FIRMWARE) -> str:
    """Every non-ASCII character in a string literal of the screen roles (not their comments)."""
    chars: set[str] = set()
    for name in SCREENS:
        with (firmware / name).open("rb") as f:
            for tok in tokenize.tokenize(f.readline):
                if tok.type == tokenize.STRING:
                    chars.update(c for c in tok.string if ord(c) > 127)
    return "".join(sorted(chars))


@functools.cache
def ui_glyph_file(chars: str | None = None) -> bytes:
    chars = ui_chars() if chars is None else chars
    bits = []
    for c in chars:
        g = glyph(c)
        if g is None:
            raise ValueError(f"firmware UI character {c!r} has no 16x16 glyph in Unifont")
        bits.append(g)
    return chars.encode() + b"\n" + b"".join(bits)


def write(out: Path) -> Path:
    dst = out / UI_FILE
    dst.write_bytes(ui_glyph_file())
    return dst
