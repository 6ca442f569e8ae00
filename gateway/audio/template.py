"""An announcement as a sequence of steps: clips of a voice pack and fixed pauses.

"请 {ticket} 号到 {window} 号窗口办理" with ticket A012 and window 3 becomes
请 A 零 一 二 号 到 三 号 窗口 办理. Fixed text is matched longest-first against
the pack's words ("号窗口" is 号 + 窗口); spaces only separate words;
punctuation is a phrase break and becomes a short pause.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from gateway.audio import AudioError, numbers

PHRASE_PAUSE_MS = 250  # at a comma or full stop in the template
CHIME_PAUSE_MS = 200   # between the chime and the first word
LANGUAGE_PAUSE_MS = 400  # between the first and the second language
REPEAT_PAUSE_MS = 700  # between repetitions
BREAKS = frozenset("，,。.、;；:：!！?？")
FIELD = re.compile(r"\{(ticket|window)\}")


class Clip(NamedTuple):
    pack: int  # 0 first language, 1 second language
    id: str


class Pause(NamedTuple):
    ms: int


Step = Clip | Pause


def phrase(template: str, words: dict[str, str], reader: str, ticket: str, window: int,
           pack: int = 0, pack_name: str = "voice pack") -> list[Step]:
    """The steps of one reading of a template; words maps casefolded text -> clip id."""
    steps: list[Step] = []
    for i, part in enumerate(FIELD.split(template)):
        if i % 2:
            ids = numbers.ticket(ticket) if part == "ticket" else numbers.cardinal(window, reader)
            steps += [Clip(pack, c) for c in ids]
        else:
            steps += _text(part, words, pack, pack_name)
    return _tidy(steps)


def _text(text: str, words: dict[str, str], pack: int, pack_name: str) -> list[Step]:
    out: list[Step] = []
    longest = max((len(w) for w in words), default=0)
    for chunk in re.split(r"(\s+|[" + re.escape("".join(BREAKS)) + "])", text):
        if not chunk or chunk.isspace():
            continue
        if chunk in BREAKS:
            out.append(Pause(PHRASE_PAUSE_MS))
            continue
        rest = chunk.casefold()
        while rest:
            for n in range(min(longest, len(rest)), 0, -1):
                if rest[:n] in words:
                    out.append(Clip(pack, words[rest[:n]]))
                    rest = rest[n:]
                    break
            else:
                raise AudioError(f"template text {rest!r} has no clip in {pack_name}")
    return out


def _tidy(steps: list[Step]) -> list[Step]:
    """No pause at either end, never two in a row."""
    out: list[Step] = []
    for s in steps:
        if isinstance(s, Pause) and (not out or isinstance(out[-1], Pause)):
            continue
        out.append(s)
    while out and isinstance(out[-1], Pause):
        out.pop()
    return out


def announcement(first: list[Step], second: list[Step] | None, repeat: int, chime: bool) -> list[Step]:
    """Chime, then the call (and its second language) repeat times, with fixed pauses."""
    steps: list[Step] = [Clip(0, "chime"), Pause(CHIME_PAUSE_MS)] if chime else []
    for i in range(repeat):
        if i:
            steps.append(Pause(REPEAT_PAUSE_MS))
        steps += first
        if second:
            steps += [Pause(LANGUAGE_PAUSE_MS)] + second
    return steps
