"""The mapping test: does the hall's level_map run the province's way round?

The province lists 差评 reasons only for its two 差评 levels. So each of our levels
is looked up under the code the map gives it: our 不满意 and 非常不满意 must land on
levels with reasons, the other three on levels without. A map written the wrong
way round (GB/T 39046 counts 1 = 非常满意) fails here before a rating is sent.
"""
from __future__ import annotations

from gateway.config.model import LEVEL_NAMES, Hall

BAD_LEVEL_MAX = 2


def check_levels(hall: Hall, adapter) -> list[str]:
    """Problems with the level map against the live platform; [] when it is right."""
    if not adapter.has_content:
        return []
    problems = []
    for level in range(1, 6):
        code = hall.upstream.level_map.get(level)
        if code is None:
            problems.append(f"upstream.level_map: {LEVEL_NAMES[level - 1]} has no code")
            continue
        _, reasons = adapter.reasons_of(code)
        bad = level <= BAD_LEVEL_MAX
        if bad and not reasons:
            problems.append(f"upstream.level_map: {LEVEL_NAMES[level - 1]} (a 差评) maps to the province's level "
                            f"{code}, for which the province lists no 差评 reasons: is the map the wrong way round?")
        elif not bad and reasons:
            problems.append(f"upstream.level_map: {LEVEL_NAMES[level - 1]} maps to the province's level {code}, "
                            "which the province treats as a 差评 (it lists reasons for it): is the map the wrong "
                            "way round?")
    return problems


def fetch_content(hall: Hall, adapter) -> tuple[str, list[dict]]:
    """The province's current version and its 差评 reasons (one list for both 差评 levels,
    as the evaluator shows them: the union in the province's order)."""
    version, seen, reasons = None, set(), []
    for level in range(1, BAD_LEVEL_MAX + 1):
        v, rs = adapter.reasons_of(hall.upstream.level_map[level])
        version = version or v
        for r in rs:
            if r["code"] not in seen:
                seen.add(r["code"])
                reasons.append(r)
    return version, reasons
