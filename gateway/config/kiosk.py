"""[kiosk] of the hall file: the ticket kiosk (叫号机) and its thermal printer.

```toml
[kiosk]
printer = "network:127.0.0.1:9100"   # | "serial:/dev/ttyUSB0:19200" | "usb:0x0416:0x5011" | "none"
paper_mm = 80                        # 58 (384 dots) or 80 (576 dots)
chinese = "gb18030"                  # the printer's GB18030 font (FS &), or "image": text drawn as pictures
public_base_url = "http://192.168.10.2:8080"   # the QR code's address for 补充评价 and progress
green_categories = ["老年人", "残疾人", "孕妇", "军人军属", "困难群众", "病患"]
```
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PAPER_DOTS = {58: 384, 80: 576}  # printable width in dots at 203 dpi
CHINESE_MODES = ("gb18030", "image")
# 000 四(八)2, 004 §19-20: the elderly, weak, sick, disabled, pregnant, military families, people in hardship
GREEN_CATEGORIES = ("老年人", "残疾人", "孕妇", "军人军属", "困难群众", "病患")
INSTRUCTIONS = "请留意屏幕和广播叫号，过号请重新取号"
CATEGORY_LEN, CATEGORIES_MAX, INSTRUCTIONS_LEN = 8, 12, 40
KEYS = ("printer", "paper_mm", "chinese", "public_base_url", "green_categories", "instructions",
        "status_timeout_seconds")


@dataclass(frozen=True)
class PrinterAddress:
    kind: str = "none"  # network | serial | usb | none
    host: str = ""
    port: int = 0
    devfile: str = ""
    baudrate: int = 0
    vendor: int = 0
    product: int = 0

    def __str__(self) -> str:
        if self.kind == "network":
            return f"network:{self.host}:{self.port}"
        if self.kind == "serial":
            return f"serial:{self.devfile}:{self.baudrate}"
        if self.kind == "usb":
            return f"usb:0x{self.vendor:04x}:0x{self.product:04x}"
        return "none"


@dataclass(frozen=True)
class Kiosk:
    printer: PrinterAddress = PrinterAddress()
    paper_mm: int = 80
    chinese: str = "gb18030"
    public_base_url: str = ""
    green_categories: tuple[str, ...] = GREEN_CATEGORIES
    instructions: str = INSTRUCTIONS
    status_timeout_seconds: float = 2.0  # a status query unanswered this long is "unknown"

    @property
    def dots(self) -> int:
        return PAPER_DOTS[self.paper_mm]


BAUDS = (9600, 19200, 38400, 57600, 115200)
_NET = re.compile(r"network:([A-Za-z0-9.-]{1,253}):(\d{1,5})")
_SERIAL = re.compile(r"serial:(/dev/[A-Za-z0-9_./-]{1,100}):(\d{3,6})")
_USB = re.compile(r"usb:0x([0-9a-fA-F]{4}):0x([0-9a-fA-F]{4})")


def parse_printer(v: str) -> tuple[PrinterAddress | None, str]:
    """(address, "") or (None, why)."""
    if v == "none":
        return PrinterAddress(), ""
    if m := _NET.fullmatch(v):
        port = int(m[2])
        if not 1 <= port <= 65535:
            return None, f"port {port} is out of range 1..65535"
        return PrinterAddress("network", host=m[1], port=port), ""
    if m := _SERIAL.fullmatch(v):
        baud = int(m[2])
        if baud not in BAUDS:
            return None, f"baud rate {baud} is not one of {', '.join(map(str, BAUDS))}"
        return PrinterAddress("serial", devfile=m[1], baudrate=baud), ""
    if m := _USB.fullmatch(v):
        return PrinterAddress("usb", vendor=int(m[1], 16), product=int(m[2], 16)), ""
    return None, (f"{v!r} is not a printer: \"network:HOST:PORT\", \"serial:/dev/DEVICE:BAUD\", "
                  "\"usb:0xVENDOR:0xPRODUCT\" or \"none\"")


def read_kiosk(r, doc: dict) -> Kiosk:
    p = "kiosk"
    t = r.table(doc, p, "")
    r.unknown(t, p, KEYS)
    raw = r.string(t, "printer", p, default="none")
    printer = PrinterAddress()
    if isinstance(raw, str):
        got, why = parse_printer(raw)
        if got is None:
            r.error(f"{p}.printer", why)
        else:
            printer = got
    paper = r.integer(t, "paper_mm", p, default=80)
    if isinstance(paper, int) and not isinstance(paper, bool) and paper not in PAPER_DOTS:
        r.error(f"{p}.paper_mm", f"{paper} mm: thermal paper here is 58 or 80 mm wide")
        paper = 80
    url = r.string(t, "public_base_url", p, default="", max_len=200)
    if isinstance(url, str) and url and not re.fullmatch(r"https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?", url):
        r.error(f"{p}.public_base_url", f"{url!r} is not an http:// or https:// address (scheme, host, "
                                        "optional port and path)")
    if printer.kind != "none" and not url:
        r.error(f"{p}.public_base_url", "missing: the printed QR code (补充评价, progress) needs the address "
                                        "citizens' phones reach the gateway at")
    cats = r.strings(t, "green_categories", p, default=GREEN_CATEGORIES, nonempty=True)
    if len(cats) > CATEGORIES_MAX:
        r.error(f"{p}.green_categories", f"{len(cats)} categories: at most {CATEGORIES_MAX} buttons")
    seen: dict = {}
    for i, c in enumerate(cats):
        if len(c) > CATEGORY_LEN:
            r.error(f"{p}.green_categories[{i}]", f"{c!r} is {len(c)} characters: at most {CATEGORY_LEN}")
        if c in seen:
            r.error(f"{p}.green_categories[{i}]", f"duplicate category {c!r} (first at {seen[c]})")
        seen.setdefault(c, f"{p}.green_categories[{i}]")
    note = r.string(t, "instructions", p, default=INSTRUCTIONS, max_len=INSTRUCTIONS_LEN)
    timeout = r.number(t, "status_timeout_seconds", p, default=2.0, lo=0.05, hi=30)
    return Kiosk(printer=printer, paper_mm=paper if paper in PAPER_DOTS else 80,
                 chinese=r.string(t, "chinese", p, default="gb18030", choices=CHINESE_MODES),
                 public_base_url=(url or "").rstrip("/") if isinstance(url, str) else "",
                 green_categories=tuple(cats), instructions=note if isinstance(note, str) else INSTRUCTIONS,
                 status_timeout_seconds=float(timeout) if isinstance(timeout, int | float)
                 and not isinstance(timeout, bool) else 2.0)
