"""The printer's real-time status bytes (DLE EOT n) -> one state.

States: ok, paper_near_end, paper_out, cover_open, offline, unknown. No answer, or a byte
that is not a status byte, is *unknown*, never ok: python-escpos's own paper_status() takes
an empty answer for "plenty of paper" (3.1) and is_online() for "offline".
"""
from __future__ import annotations

STATES = ("ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown")
PRINTABLE = ("ok", "paper_near_end")  # a slip may be printed in these
STATE_CN = {"ok": "正常", "paper_near_end": "纸将用尽", "paper_out": "缺纸", "cover_open": "纸仓盖打开",
            "offline": "脱机", "unknown": "无应答", "none": "未配置打印机"}

PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER = 1, 2, 3, 4  # DLE EOT n
FIXED_MASK, FIXED = 0x93, 0x12  # bits 1 and 4 are always 1, bits 0 and 7 always 0
OFFLINE_BIT = 0x08  # n=1
COVER_OPEN, PAPER_END_STOP, ERROR = 0x04, 0x20, 0x40  # n=2
NEAR_END, ROLL_END = 0x0C, 0x60  # n=4: sensor bit pairs


def valid(b: bytes) -> bool:
    return len(b) >= 1 and b[0] & FIXED_MASK == FIXED


def state(printer: bytes, cause: bytes | None, paper: bytes | None) -> str:
    """From the answers to DLE EOT 1, 2 (asked only when offline) and 4; None = not asked."""
    if not valid(printer):
        return "unknown"
    if printer[0] & OFFLINE_BIT:
        if cause is None or not valid(cause):
            return "offline"
        if cause[0] & COVER_OPEN:
            return "cover_open"
        if cause[0] & PAPER_END_STOP:
            return "paper_out"
        return "offline"
    if paper is None or not valid(paper):
        return "unknown"
    if paper[0] & ROLL_END:
        return "paper_out"
    if paper[0] & NEAR_END:
        return "paper_near_end"
    return "ok"
