"""The built-in voice packs, generated offline by espeak-ng (see build.py).

Each spec names the espeak-ng voice, the number reader and the text of every
clip. A recorded pack uses the same clip ids, so it drops in.
"""
from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class PackSpec:
    name: str
    voice: str   # espeak-ng voice (`espeak-ng --voices=zh`)
    reader: str  # number reader: "zh" or "en"
    speed: int   # words per minute: slower than espeak's 175 for a hall's echo
    numbers: dict[str, str]
    words: dict[str, str]  # text as written in templates -> clip id


def _letters() -> dict[str, str]:
    # say-as characters: the letter's name, never "a" read as an article
    return {c: f'<say-as interpret-as="characters">{c}</say-as>' for c in string.ascii_uppercase}


ZH_NUMBERS = dict(zip([f"n{d}" for d in range(10)], "零一二三四五六七八九", strict=True))
ZH_NUMBERS.update({"n10": "十", "n100": "百", "n1000": "千"})

EN_NUMBERS = {f"n{i}": w for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
EN_NUMBERS.update({f"n{t}": w for t, w in zip(range(20, 100, 10), "twenty thirty forty fifty sixty seventy eighty ninety".split(), strict=True)})
EN_NUMBERS.update({"n100": "hundred", "n1000": "thousand"})

SPECS = {
    "default": PackSpec(
        # cmn-latn-pinyin, not cmn: espeak-ng 1.51's plain cmn turns most hanzi into
        # pinyin and then reads that pinyin with English rules (号 -> "hay-oh four").
        name="default", voice="cmn-latn-pinyin", reader="zh", speed=170, numbers=ZH_NUMBERS,
        words={"请": "w_qing", "号": "w_hao", "到": "w_dao", "窗口": "w_chuangkou", "办理": "w_banli",
               "前往": "w_qianwang", "柜台": "w_guitai"}),
    "default-en": PackSpec(
        name="default-en", voice="en-us", reader="en", speed=170, numbers=EN_NUMBERS,
        words={"number": "w_number", "please": "w_please", "go": "w_go", "to": "w_to",
               "window": "w_window", "counter": "w_counter"}),
}


def clip_texts(spec: PackSpec) -> dict[str, str]:
    """clip id -> text for espeak-ng (SSML), chime excluded (sox makes it)."""
    out = dict(spec.numbers)
    out.update(_letters())
    out.update({cid: text for text, cid in spec.words.items()})
    return out
