"""The mapping test: does the hall's level_map run the province's way round?

A province always lists 差评 reasons for its two 差评 levels; some also list praise tags
(好评标签) for the good ones, and a platform may answer an empty list for a level it has
nothing for. So each of our levels is looked up under the code the map gives it, and the
evidence is read for what it can tell:

  right     our 差评 levels land on levels with reasons, our good ones on levels without
  reversed  our 差评 levels land on levels WITHOUT reasons while good ones land on levels
            WITH them: a map written the wrong way round (GB/T 39046 counts 1 = 非常满意).
            Delivery is held: every 非常满意 would be reported as 非常不满意.
  unclear   anything else: every level has reasons (praise tags), none has, or a mix.
            The content cannot tell the direction: ratings are delivered, the dashboard
            warns until a supervisor confirms the map (gateway/engine/level_map.py).
  broken    a level without a code (the hall file's loader already refuses that).

Only evidence that points one way holds the hall's ratings back.
"""
from __future__ import annotations

from dataclasses import dataclass

from gateway.config.model import LEVEL_NAMES, Hall

BAD_LEVEL_MAX = 2
RIGHT, REVERSED, UNCLEAR, BROKEN = "right", "reversed", "unclear", "broken"


@dataclass(frozen=True)
class LevelCheck:
    verdict: str  # right | reversed | unclear | broken
    listed: dict[int, int]  # our level -> how many reasons/tags the province lists for the code it maps to
    problems: tuple[str, ...] = ()  # English, for the log and `hallgw upstream check`

    @property
    def holds(self) -> bool:
        return self.verdict in (REVERSED, BROKEN)

    def why(self) -> str:
        return "; ".join(self.problems)

    def chinese(self) -> str:
        """What a supervisor reads on the dashboard (no codes but the province's level numbers)."""
        if self.verdict == REVERSED:
            return ("按本厅的等级对应，“不满意”“非常不满意”报到的省平台等级没有差评原因，好评等级报到的却有："
                    "等级对应很可能写反了。好差评上报已暂停，评价记录都保存在本地；"
                    "请维护人员改正大厅配置文件中的等级对应并重启网关，改正后自动补报。")
        if self.verdict == BROKEN:
            return "大厅配置文件的等级对应不完整，好差评上报已暂停；请维护人员补全五个等级后重启网关。"
        if self.verdict == UNCLEAR:
            if all(self.listed.values()):
                seen = "省平台为每个评价等级都列出了评价标签（含好评标签）"
            elif not any(self.listed.values()):
                seen = "省平台没有为任何评价等级列出评价原因"
            else:
                seen = "省平台列出评价原因的等级与本厅的差评等级对不上"
            return (f"{seen}，无法据此核对本厅的等级对应方向。评价照常上报。"
                    "请向省平台核实下面的等级对应，无误后点“已向省平台核实，确认等级对应”。")
        return "等级对应已与省平台的评价内容核对一致。"


def map_text(hall: Hall) -> str:
    """The level map as the log keeps a confirmation of it: "1=1,2=2,…" (our level = the code)."""
    return ",".join(f"{k}={v}" for k, v in sorted(hall.upstream.level_map.items()))


def map_cn(hall: Hall) -> str:
    """The map as a supervisor checks it with the province: 非常满意→5级 …, best first."""
    lm = hall.upstream.level_map
    return "，".join(f"{LEVEL_NAMES[lv - 1]}→省平台{lm.get(lv, '？')}级" for lv in range(5, 0, -1))


def judge(listed: dict[int, int]) -> str:
    """The verdict of what the province lists (how many reasons) under each of our levels."""
    bad = [listed[lv] for lv in range(1, BAD_LEVEL_MAX + 1)]
    good = [listed[lv] for lv in range(BAD_LEVEL_MAX + 1, 6)]
    if all(bad) and not any(good):
        return RIGHT
    if not any(bad) and any(good):
        return REVERSED
    return UNCLEAR


def check_levels(hall: Hall, adapter) -> LevelCheck:
    """What the live platform's content says of the level map."""
    if not adapter.has_content:
        return LevelCheck(RIGHT, {})
    listed: dict[int, int] = {}
    missing = []
    for level in range(1, 6):
        code = hall.upstream.level_map.get(level)
        if code is None:
            missing.append(f"upstream.level_map: {LEVEL_NAMES[level - 1]} has no code")
            continue
        listed[level] = len(adapter.reasons_of(code)[1])
    if missing:
        return LevelCheck(BROKEN, listed, tuple(missing))
    verdict = judge(listed)
    lm = hall.upstream.level_map
    problems: list[str] = []
    if verdict == REVERSED:
        for level in range(1, 6):
            bad, n = level <= BAD_LEVEL_MAX, listed[level]
            if bad and not n:
                problems.append(f"upstream.level_map: {LEVEL_NAMES[level - 1]} (a 差评) maps to the province's level "
                                f"{lm[level]}, for which the province lists no 差评 reasons: is the map the wrong "
                                "way round?")
            elif not bad and n:
                problems.append(f"upstream.level_map: {LEVEL_NAMES[level - 1]} maps to the province's level "
                                f"{lm[level]}, which the province treats as a 差评 (it lists reasons for it): is the "
                                "map the wrong way round?")
    elif verdict == UNCLEAR:
        shown = ", ".join(f"{LEVEL_NAMES[lv - 1]}->{lm[lv]}: {listed[lv]}" for lv in range(1, 6))
        problems.append("upstream.level_map cannot be checked against the platform's content (reasons listed per "
                        f"level: {shown}): delivering; confirm the map with the province")
    return LevelCheck(verdict, listed, tuple(problems))


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
