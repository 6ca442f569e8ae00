"""The level-map check reads the province's content for what it can tell: it holds delivery
only when the evidence points one way (our 差评 levels land on levels without reasons, our good
ones on levels with them); where every level has reasons (praise tags), none has, or a mix, it
delivers and warns; and what a supervisor reads of it is Chinese."""
import pytest

from gateway.config import load_text
from gateway.upstream import mapping as mp
from hil.province.platform import DEFAULT_REASONS, PRAISE_TAGS
from tests.support.words import english_or_iso
from tests.upstream.test_delivery import GB
from tests.upstream.uphall import upstream_text


class Content:
    """An adapter whose platform lists `lists[code]` for the province's level code."""
    has_content = True

    def __init__(self, lists: dict[str, list]):
        self.lists = lists

    def reasons_of(self, code: str):
        return "V1", list(self.lists.get(code, []))


STANDARD = {"1": DEFAULT_REASONS["1"], "2": DEFAULT_REASONS["2"]}  # 差评 reasons for 1 and 2 only
PRAISE = {**STANDARD, **PRAISE_TAGS}  # and 好评标签 for 3, 4, 5


def hall(tmp_path, level_map=None):
    return load_text(upstream_text("http://127.0.0.1:9/", tmp_path / "s", level_map=level_map), "hall.toml")


@pytest.mark.parametrize("lists, level_map, verdict", [
    (STANDARD, None, mp.RIGHT),        # the province's way round
    (STANDARD, GB, mp.REVERSED),       # GB/T 39046's order on a standard platform: held
    (PRAISE, None, mp.UNCLEAR),        # praise tags for every level: cannot tell, delivered
    (PRAISE, GB, mp.UNCLEAR),          # ... either way round
    ({}, None, mp.UNCLEAR),            # nothing listed anywhere
    ({"1": DEFAULT_REASONS["1"]}, None, mp.UNCLEAR),             # one 差评 level without reasons, no good one with
    ({**STANDARD, "3": PRAISE_TAGS["3"]}, None, mp.UNCLEAR),     # reasons for 基本满意 as well
    ({"3": PRAISE_TAGS["3"], "4": PRAISE_TAGS["4"]}, GB, mp.UNCLEAR),  # nothing points one way
])
def test_the_verdict_of_what_the_province_lists(tmp_path, lists, level_map, verdict):
    check = mp.check_levels(hall(tmp_path, level_map), Content(lists))
    assert check.verdict == verdict, check
    assert check.holds == (verdict == mp.REVERSED)
    text = check.chinese()
    assert not english_or_iso(text) and "level" not in text, text
    if verdict == mp.REVERSED:
        assert "写反" in text and "暂停" in text and all("wrong way round" in p for p in check.problems)
    if verdict == mp.UNCLEAR:
        assert "照常上报" in text and "确认等级对应" in text
        assert "delivering" in check.why()


def test_praise_tags_for_every_level_are_named_as_such(tmp_path):
    assert "好评标签" in mp.check_levels(hall(tmp_path), Content(PRAISE)).chinese()
    assert "没有为任何评价等级" in mp.check_levels(hall(tmp_path), Content({})).chinese()


def test_one_way_only_holds(tmp_path):
    # Every combination of "lists reasons" over our five levels: held only for 差评 levels all
    # without and some good level with.
    for bits in range(32):
        listed = {lv: (bits >> (lv - 1)) & 1 for lv in range(1, 6)}
        held = mp.judge(listed) == mp.REVERSED
        assert held == (not listed[1] and not listed[2] and any(listed[lv] for lv in (3, 4, 5))), listed


def test_the_map_as_a_supervisor_checks_it(tmp_path):
    assert mp.map_cn(hall(tmp_path)) == ("非常满意→省平台5级，满意→省平台4级，基本满意→省平台3级，"
                                         "不满意→省平台2级，非常不满意→省平台1级")
    assert mp.map_text(hall(tmp_path, GB)) == "1=5,2=4,3=3,4=2,5=1"
