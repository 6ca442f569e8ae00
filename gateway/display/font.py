"""GNU Unifont at 16 px: every CJK and ASCII glyph is a pixel-exact bitmap
(16 wide for CJK, 8 for ASCII), so a frame on the panel matches the font."""
from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

SIZE = 16
# Debian's fonts-unifont; the OTF carries the full BMP, the TTF is only a sample.
CANDIDATES = (
    "/usr/share/fonts/opentype/unifont/unifont.otf",
    "/usr/share/fonts/truetype/unifont/unifont.ttf",
)


def font_path() -> Path:
    for p in CANDIDATES:
        if Path(p).exists():
            return Path(p)
    found = sorted(Path("/usr/share/fonts").rglob("unifont.*"))
    if found:
        return found[0]
    raise FileNotFoundError("GNU Unifont not found under /usr/share/fonts: install Debian's fonts-unifont")


@functools.cache
def unifont() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), SIZE)
