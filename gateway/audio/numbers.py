"""How numbers sound: ticket numbers digit by digit, window numbers as cardinals.

Clip ids are the values they say: "n0".."n9" digits, "n10" ten (十), "n100"
hundred (百), "n1000" thousand (千); English packs add "n11".."n19" and the
tens "n20".."n90". Letters are their own ids: "A".."Z".
"""
from __future__ import annotations

import re

from gateway.audio import AudioError

READERS = ("zh", "en")
TICKET = re.compile(r"([A-Z]{0,2})(\d{1,6})")
MAX_WINDOW = 9999


def ticket(number: str) -> list[str]:
    """A012 -> A, n0, n1, n2: letters as the pack says them, then each digit."""
    m = TICKET.fullmatch(number or "")
    if not m:
        raise AudioError(f"ticket number {number!r} is not 0-2 capital letters followed by 1-6 digits")
    return list(m.group(1)) + [f"n{d}" for d in m.group(2)]


def cardinal(n: int, reader: str) -> list[str]:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_WINDOW:
        raise AudioError(f"window number {n!r} is not a whole number from 0 to {MAX_WINDOW}")
    if reader == "zh":
        return _zh(n)
    if reader == "en":
        return _en(n)
    raise AudioError(f"unknown number reader {reader!r} (one of {', '.join(READERS)})")


def _zh(n: int) -> list[str]:
    if n == 0:
        return ["n0"]
    digits = str(n)
    out: list[str] = []
    pending_zero = False
    for i, ch in enumerate(digits):
        place = len(digits) - 1 - i  # 0 ones, 1 tens, 2 hundreds, 3 thousands
        d = int(ch)
        if d == 0:
            pending_zero = True
            continue
        if pending_zero and out:
            out.append("n0")  # 一百零一: one 零 for any run of inner zeros, none at the end
        pending_zero = False
        if not (d == 1 and place == 1 and not out):  # 十二, not 一十二; but 一百一十
            out.append(f"n{d}")
        if place:
            out.append(f"n{10 ** place}")
    return out


def _en(n: int) -> list[str]:
    if n < 20:
        return [f"n{n}"]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [f"n{tens * 10}"] + ([f"n{ones}"] if ones else [])
    big, unit = (1000, "n1000") if n >= 1000 else (100, "n100")
    head, rest = divmod(n, big)
    return _en(head) + [unit] + (_en(rest) if rest else [])


def needed(reader: str) -> tuple[str, ...]:
    """Every number clip a reader can ask for."""
    base = [f"n{d}" for d in range(10)] + ["n10", "n100", "n1000"]
    if reader == "en":
        base += [f"n{d}" for d in range(11, 20)] + [f"n{d}" for d in range(20, 100, 10)]
    return tuple(base)
