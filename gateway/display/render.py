"""Text -> 1-bit frame for a window's LED panel (pure apart from the font file).

The frame is as wide as the panel, or as the text rounded up to a whole byte
when the text is wider; then the device scrolls it by itself, so scrolling
costs no MQTT traffic. Rows run top to bottom, MSB first, as the MAX7219 /
HUB08 drivers on the device expect."""
from __future__ import annotations

import base64
import functools
from dataclasses import dataclass

from PIL import Image, ImageDraw

from gateway.display.font import SIZE, unifont

MAX_FRAME_WIDTH = 2048  # protocols.desired DISPLAY "fw" upper bound
SCROLL_GAP = 2 * SIZE  # blank px after scrolling text, before it comes round again


@dataclass(frozen=True)
class Frame:
    width: int  # fw: a multiple of 8, at least the panel width
    height: int
    panel_width: int
    bits: bytes  # width*height/8 bytes, rows top to bottom, MSB first

    @property
    def scroll(self) -> bool:
        return self.width > self.panel_width

    def b64(self) -> str:
        return base64.b64encode(self.bits).decode()

    def pixel(self, x: int, y: int) -> bool:
        byte = self.bits[y * (self.width // 8) + x // 8]
        return bool(byte & (0x80 >> (x % 8)))


def text_width(text: str) -> int:
    return int(round(unifont().getlength(text)))


def render(lines: list[str] | str, panel_width: int, panel_height: int) -> Frame:
    """Render one line (or, on panels 32 px tall and up, one line per 16 px)."""
    if panel_width % 8 or panel_height % 8 or panel_width <= 0 or panel_height < SIZE:
        raise ValueError(f"panel {panel_width}x{panel_height} is not a multiple of 8 or under {SIZE} px tall")
    if isinstance(lines, str):
        lines = [lines]
    rows = max(1, panel_height // SIZE)
    if len(lines) > rows:
        # More lines than the panel holds: join them on one scrolling line.
        lines = lines[:rows - 1] + ["  ".join(lines[rows - 1:])]
    widest = max((text_width(t) for t in lines), default=0)
    width = max(panel_width, (widest + 7) // 8 * 8)
    if width > panel_width:
        # The device scrolls the frame round and round: leave a blank two
        # characters wide at the end, or the last word runs into the first
        # ("A0011号" for "1号 … A001").
        width = (widest + SCROLL_GAP + 7) // 8 * 8
    if width > MAX_FRAME_WIDTH:
        raise ValueError(f"text is {widest} px wide, over the {MAX_FRAME_WIDTH} px frame limit")
    img = Image.new("1", (width, panel_height), 0)
    draw = ImageDraw.Draw(img)
    top = (panel_height - SIZE * len(lines)) // 2  # centre vertically when taller than the text
    for i, t in enumerate(lines):
        draw.text((0, top + i * SIZE), t, font=unifont(), fill=1)
    # PIL's mode "1" tobytes packs 8 pixels per byte, MSB first, rows padded to bytes.
    return Frame(width, panel_height, panel_width, img.tobytes())


@functools.lru_cache(maxsize=4096)
def glyph(ch: str) -> bytes | None:
    """One character as the 16x16 bitmap a call pad or evaluator draws
    (protocols.desired gl/gb): 32 bytes, rows top to bottom, MSB first; a
    half-width character sits in the left half. None when it is wider."""
    f = render(ch, SIZE, SIZE)
    return f.bits if f.width == SIZE else None
