"""A ticket -> the ESC/POS bytes of the printed slip, for 58 mm (384 dots) or 80 mm (576 dots) paper.

Pure: no printer, no clock. Chinese goes out as GB18030 in the printer's Chinese mode (FS &) when
the printer has the font, else every line is drawn with PIL and sent as a raster image (GS v 0) at
the paper's dot width. The QR code is the printer's own (GS ( k) either way: it is not text.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
CENTER, LEFT = ESC + b"a\x01", ESC + b"a\x00"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FALLBACK_FONT = "/usr/share/fonts/opentype/unifont/unifont.otf"
LANE_NAME = {"normal": "普通", "green": "绿色通道", "appointment": "预约"}
# Printers with a GB18030 font can still print full-width punctuation as "?" (DOMAIN §7): use ASCII.
PUNCT = str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")", "！": "!", "；": ";", "　": " "})
FONT_A_DOTS = 12  # width of an ASCII character in font A; a CJK character takes two


@dataclass(frozen=True)
class Slip:
    """What the ticket says, already in words (the kiosk service fills it in)."""
    hall_name: str
    number: str
    service_name: str
    matter_name: str | None
    department: str
    lane: str
    category: str | None
    issued: str  # "2026-11-23 09:00", hall time
    ahead: int
    wait_minutes: int
    qr_url: str
    instructions: str


def lines(s: Slip) -> list[tuple[str, str]]:
    """(style, text) in print order; style: title | number | text | small."""
    lane = LANE_NAME.get(s.lane, s.lane) + (f"({s.category})" if s.category else "")
    out = [("title", s.hall_name), ("small", "排队号"), ("number", s.number),
           ("text", f"{s.department} {s.service_name}"), ]
    if s.matter_name:
        out.append(("text", f"事项: {s.matter_name}"))
    if s.lane != "normal":
        out.append(("text", f"通道: {lane}"))
    out += [("text", f"前面还有 {s.ahead} 人"), ("text", f"预计等候约 {s.wait_minutes} 分钟")]
    if s.issued:  # none while the hall's clock is not yet synchronized (gateway/kiosk/service.py)
        out.append(("small", f"取号时间 {s.issued}"))
    return out


def width(text: str) -> int:
    """Columns of font A: east-asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, cols: int) -> list[str]:
    out, cur, n = [], "", 0
    for c in text:
        w = width(c)
        if n + w > cols and cur:
            out.append(cur)
            cur, n = "", 0
        cur, n = cur + c, n + w
    return out + [cur] if cur else out


SIZE = {"title": b"\x11", "number": b"\x33", "text": b"\x00", "small": b"\x00"}  # GS ! n: (w-1)<<4 | (h-1)
MAG = {"title": 2, "number": 4, "text": 1, "small": 1}


def _gb18030(s: Slip, dots: int) -> bytes:
    cols = dots // FONT_A_DOTS
    out = [CHINESE_ON]
    for style, text in lines(s):
        text, size, mag = text.translate(PUNCT), SIZE[style], MAG[style]
        if style == "title" and width(text) * mag > cols:
            size, mag = b"\x01", 1  # a long hall name: tall, not wide, so it stays on one line
        out.append(GS + b"!" + size)
        for part in wrap(text, cols // mag):
            out.append(part.encode("gb18030") + LF)
    out.append(GS + b"!\x00")
    out.append(_qr(s.qr_url))
    for part in wrap("扫码查看进度 / 补充评价", cols) + wrap(s.instructions.translate(PUNCT), cols):
        out.append(part.encode("gb18030") + LF)
    out.append(CHINESE_OFF)
    return b"".join(out)


PX = {"title": 36, "number": 120, "text": 26, "small": 22}


@lru_cache(maxsize=8)
def _font(px: int):
    from PIL import ImageFont
    try:
        return ImageFont.truetype(FONT, px)
    except OSError:
        return ImageFont.truetype(FALLBACK_FONT, px)


def text_image(text: str, px: int, dots: int):
    """One centred line as a 1-bit picture exactly `dots` wide (wider text is shrunk to fit)."""
    from PIL import Image, ImageDraw
    font = _font(px)
    box = font.getbbox(text)
    w = box[2] - box[0]
    if w > dots:
        return text_image(text, max(8, px * dots // w), dots)
    h = px + px // 4
    img = Image.new("1", (dots, h), 1)
    ImageDraw.Draw(img).text(((dots - w) // 2 - box[0], (h - px) // 2), text, font=font, fill=0)
    return img


def raster(img) -> bytes:
    """GS v 0: a 1-bit image, 1 = black dot, rows of width/8 bytes."""
    w, h = img.size
    wb = (w + 7) // 8
    data = bytes(b ^ 0xFF for b in img.tobytes())  # PIL's mode "1" packs 1 = white
    return GS + b"v0\x00" + bytes((wb & 0xFF, wb >> 8, h & 0xFF, h >> 8)) + data


def _image(s: Slip, dots: int) -> bytes:
    out = []
    for style, text in lines(s):
        for part in wrap(text, 2 * (dots // PX[style])):
            out.append(raster(text_image(part, PX[style], dots)))
    out.append(_qr(s.qr_url))
    for part in ["扫码查看进度 / 补充评价", *wrap(s.instructions, 2 * (dots // PX["small"]))]:
        out.append(raster(text_image(part, PX["small"], dots)))
    return b"".join(out)


def _dummy():
    # python-escpos (some 5 MB) only once a slip is made: a kiosk without a printer never does.
    from escpos.printer import Dummy
    return Dummy()


def _qr(url: str) -> bytes:
    if not url:
        return b""
    p = _dummy()
    p.qr(url, native=True, size=6)
    return LF + p.output + LF


def render(s: Slip, dots: int, chinese: str) -> bytes:
    """The whole slip: initialise, centre, the lines, the QR code, feed and cut."""
    if dots not in (384, 576):
        raise ValueError(f"paper of {dots} dots: 384 (58 mm) or 576 (80 mm)")
    body = _gb18030(s, dots) if chinese == "gb18030" else _image(s, dots)
    p = _dummy()
    p.cut()  # feeds past the cutter, then a full cut (GS V 0)
    return INIT + CENTER + body + LEFT + p.output
