"""满意度: the one definition behind every satisfaction figure the hall shows or reports (the
hall screen's band, the dashboard, the reports and their exports, the weekly trend).

Which ratings count: every rating of the slice's services, at the window's evaluator or later
by the ticket's code (补充评价), as the national 好差评 rules count every rating of a service.
Nothing counts twice: a service is rated once (一次一评), at the window or by its code, never
both (the engine refuses the second). A rating counts for the service day of the service it
judges, so a 补充评价 made today for yesterday's service belongs to yesterday's figure."""
from __future__ import annotations

from collections.abc import Mapping

SATISFIED_MIN = 3  # 基本满意 and better count as satisfied; 1-2 are 差评
LEVEL_CN = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
DEFINITION = ("满意度 = 评价为“非常满意”“满意”“基本满意”的次数 ÷ 全部评价次数；含补充评价（办事后凭票上二维码补评），"
              "一次一评，每次服务至多一条评价；评价计入所评服务的办理日")


def is_satisfied(level: int | str) -> bool:
    return int(level) >= SATISFIED_MIN


def rate(levels: Mapping) -> float | None:
    """满意度 of ratings counted by level ({level: count}, keys 1..5 as int or str); None
    when nothing was rated (shown as —, never as 0 % or 100 %)."""
    rated = sum(levels.values())
    if not rated:
        return None
    return sum(n for lv, n in levels.items() if is_satisfied(lv)) / rated


def percent(r: float | None) -> float | None:
    """A rate as the percentage people read, to 0.1 (98.04 % -> 98.0)."""
    return None if r is None else round(100 * r, 1)
