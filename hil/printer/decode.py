"""ESC/POS bytes -> printed tickets, as a thermal printer would put them on paper.

Kept: text lines (GB18030 in Chinese mode FS &, else the printer's code page 437) with their
character size (ESC !, GS !) and alignment, QR codes by payload (GS ( k), raster images
(GS v 0) as PIL images, and the cut (GS V) that ends a ticket. Real-time status queries
(DLE EOT n) and GS r n (answered in turn) are handed to a callback as n and 0x100 | n.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
ESC_ONE_ARG = set(b"!-3EGMatJd{RrcUV")  # ESC x n: one parameter byte each
ESC_NO_ARG = set(b"2@<")
GS_ONE_ARG = set(b"!BbfhHwLa")


@dataclass
class Line:
    text: str
    width: int = 1  # character magnification
    height: int = 1
    align: int = 0  # 0 left, 1 centre, 2 right


@dataclass
class Ticket:
    lines: list[Line] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    images: list = field(default_factory=list)  # PIL mode "1" images, in print order
    cut: bool = False
    torn: bool = False  # the paper ran out while it printed

    @property
    def text(self) -> str:
        return "\n".join(x.text for x in self.lines)

    def sized(self, width: int) -> list[str]:
        """The lines printed at least this many times wide (the large ticket number)."""
        return [x.text for x in self.lines if x.width >= width]


class Incomplete(Exception):
    pass


class Decoder:
    def __init__(self, on_status: Callable[[int], None] | None = None,
                 on_ticket: Callable[[Ticket], None] | None = None):
        self.on_status = on_status or (lambda n: None)
        self.on_ticket = on_ticket or (lambda t: None)
        self.buf = bytearray()
        self.reset()
        self.ticket = Ticket()
        self.text = bytearray()
        self.printing = True  # False: no paper (or cover open, offline): data goes nowhere
        self.printed_bytes = 0  # bytes that reached the paper in the current ticket
        self.budget: int | None = None  # bytes of paper left (None: plenty), see PrinterEmulator
        self.on_paper_end: Callable[[], None] = lambda: None

    def reset(self) -> None:
        self.chinese = False
        self.width = self.height = 1
        self.align = 0

    def feed(self, data: bytes) -> None:
        self.buf += data
        while self.buf:
            try:
                used = self._one(self.buf)
            except Incomplete:
                return
            del self.buf[:used]

    # -- one command or character; returns the bytes it used ------------------
    def _need(self, b, n: int) -> None:
        if len(b) < n:
            raise Incomplete

    def _one(self, b: bytearray) -> int:
        c = b[0]
        if c == DLE:
            self._need(b, 3)
            if b[1] == 0x04:
                self.on_status(b[2])
                return 3
            return 1
        if c == ESC:
            self._need(b, 2)
            k = b[1]
            if k in ESC_NO_ARG:
                if k == ord("@"):
                    self._end_line()
                    self.reset()
                return 2
            if k == ord("*"):  # column image: m nL nH data (not sent by our backend; skipped)
                self._need(b, 5)
                n = b[3] + 256 * b[4]
                size = 5 + n * (3 if b[2] in (32, 33) else 1)
                self._need(b, size)
                return size
            if k in ESC_ONE_ARG:
                self._need(b, 3)
                self._esc(k, b[2])
                return 3
            return 2
        if c == GS:
            self._need(b, 2)
            return self._gs(b)
        if c == FS:
            self._need(b, 2)
            if b[1] == ord("&"):
                self.chinese = True
            elif b[1] == ord("."):
                self.chinese = False
            return 2
        if c == 0x0A:
            self._end_line()
            return 1
        if c < 0x20:
            return 1
        self._paper(1)
        if self.printing:
            self.text.append(c)
        return 1

    def _esc(self, k: int, n: int) -> None:
        if k == ord("!"):
            self._end_line()
            self.width, self.height = (2 if n & 0x20 else 1), (2 if n & 0x10 else 1)
        elif k == ord("a"):
            self.align = n % 48 if n >= 48 else n
        elif k == ord("d"):
            self._end_line()

    def _gs(self, b: bytearray) -> int:
        k = b[1]
        if k == ord("V"):
            self._need(b, 3)
            size = 4 if b[2] in (65, 66) else 3
            self._need(b, size)
            self._cut()
            return size
        if k == ord("!"):
            self._need(b, 3)
            self._end_line()
            self.width, self.height = (b[2] >> 4) + 1, (b[2] & 0x07) + 1
            return 3
        if k == ord("("):
            self._need(b, 5)
            n = b[3] + 256 * b[4]
            self._need(b, 5 + n)
            body = bytes(b[5:5 + n])
            if b[2] == ord("k") and len(body) >= 2 and body[0] == ord("1"):
                self._qr(body)
            return 5 + n
        if k == ord("v"):
            self._need(b, 8)
            wb, h = b[4] + 256 * b[5], b[6] + 256 * b[7]
            self._need(b, 8 + wb * h)
            self._image(wb, h, bytes(b[8:8 + wb * h]))
            return 8 + wb * h
        if k == ord("r"):  # transmit status, in turn (after what came before it)
            self._need(b, 3)
            self.on_status(0x100 | b[2])
            return 3
        if k in GS_ONE_ARG:
            self._need(b, 3)
            return 3
        return 2

    def _qr(self, body: bytes) -> None:
        fn = body[1]
        if fn == ord("P"):  # store the data: cn fn m d1...dk
            self.qr_data = body[3:].decode("utf-8", "replace")
        elif fn == ord("Q") and self.printing:  # print the stored symbol
            self._end_line()
            self._paper(64)
            if self.printing:
                self.ticket.qr.append(getattr(self, "qr_data", ""))

    def _image(self, wb: int, h: int, data: bytes) -> None:
        from PIL import Image
        self._end_line()
        self._paper(len(data))
        if self.printing:
            inverted = bytes(x ^ 0xFF for x in data)  # ESC/POS 1 = black; PIL "1" packs 1 = white
            self.ticket.images.append(Image.frombytes("1", (wb * 8, h), inverted))

    def _end_line(self) -> None:
        if not self.text:
            return
        raw, self.text = bytes(self.text), bytearray()
        text = raw.decode("gb18030", "replace") if self.chinese else raw.decode("cp437", "replace")
        self.ticket.lines.append(Line(text, self.width, self.height, self.align))

    def _paper(self, n: int) -> None:
        """n bytes' worth of paper is used; when the roll runs out the ticket is torn off short."""
        if not self.printing or self.budget is None:
            return
        self.budget -= n
        if self.budget < 0:
            self.printing = False
            self.text.clear()
            self.ticket.torn = True
            self.on_paper_end()

    def _cut(self) -> None:
        self._end_line()
        t, self.ticket = self.ticket, Ticket()
        t.cut = self.printing
        self.on_ticket(t)
