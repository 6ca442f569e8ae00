"""The hall screen's picture as pure functions (no browser), its calls rebuilt from the store
after a restart, and the hall file's [screen] table."""
import json
import re

import pytest

from gateway.config import ConfigError, load_text
from gateway.pages import screen
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from tests.support import ROOT
from tests.support.hallday import MONDAY_9 as T

COUNTY = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")


def hall(text=COUNTY):
    return load_text(text, "county.toml")


def called(ticket, window, at, recall=0):
    return {"type": "ticket_called", "ticket": ticket, "number": ticket[-4:], "window": window,
            "recall": recall, "at": at, "service": "ZH"}


def test_last_calls_newest_first_recall_moves_up_a_new_day_clears():
    calls = screen.add_calls((), [called("d-A001", 1, 1), called("d-A002", 2, 2), called("d-A001", 1, 3, 1)])
    assert [(c["number"], c["recall"]) for c in calls] == [("A001", 1), ("A002", 0)]
    many = screen.add_calls((), [called(f"d-A{i:03d}", 1, i) for i in range(20)])
    assert len(many) == screen.RECENT and many[0]["number"] == "A019"
    assert screen.add_calls(many, [{"type": "day_started", "at": 99}]) == ()


def run(rt, cmd):
    out = rt.submit(cmd)
    assert out.ok, out.refusal
    return out


def test_calls_rebuilt_from_the_store_match_what_was_folded(tmp_path):
    rt = Runtime(hall(), tmp_path)
    hub = PushHub(rt)
    hub.keep("calls", (), screen.fold)
    run(rt, {"type": "login", "at": T, "window": 1, "staff_code": "1001"})
    for i in range(10):
        run(rt, {"type": "issue_ticket", "at": T + 1 + i, "service": "ZH"})
    for i in range(10):
        run(rt, {"type": "call_next", "at": T + 20 + 3 * i, "window": 1})
        run(rt, {"type": "start", "at": T + 21 + 3 * i, "window": 1})
        run(rt, {"type": "finish", "at": T + 22 + 3 * i, "window": 1, "case_type": "immediate"})
    folded = hub.state("calls")
    rt.close()
    rt = Runtime(hall(), tmp_path)
    rows = rt.store.conn.execute("SELECT record FROM commands ORDER BY seq DESC").fetchall()
    rebuilt = screen.rebuild_calls(json.loads(r) for (r,) in rows)
    assert rebuilt == folded and [c["number"] for c in rebuilt][:2] == ["A010", "A009"]
    view = rt.read(lambda eng: screen.view(eng, rebuilt, T + 60))
    assert view["current"]["number"] == "A010" and view["current"]["window_label"] == "1号窗口"
    assert view["current"]["window_name"] == "综合受理" and view["current"]["time"] == "09:00"
    assert view["band"]["served"] == 10 and view["band"]["windows_open"] == 1
    assert view["band"]["satisfaction_pct"] is None  # no rating yet: shown as —
    assert next(w for w in view["waiting"] if w["service"] == "ZH")["waiting"] == 0
    assert "限时办结：承诺件在承诺时限内办结" in view["rules"] and view["chime"] is False
    rt.close()


def test_satisfaction_is_the_share_of_levels_3_to_5(tmp_path):
    rt = Runtime(hall(), tmp_path)
    run(rt, {"type": "login", "at": T, "window": 1, "staff_code": "1001"})
    at = T
    for level in (5, 3, 2, 4):
        at += 10
        run(rt, {"type": "issue_ticket", "at": at, "service": "ZH"})
        run(rt, {"type": "call_next", "at": at + 1, "window": 1})
        run(rt, {"type": "start", "at": at + 2, "window": 1})
        run(rt, {"type": "finish", "at": at + 3, "window": 1, "case_type": "immediate"})
        prompt = run(rt, {"type": "request_evaluation", "at": at + 4, "window": 1}).result["prompt"]
        run(rt, {"type": "rate", "at": at + 5, "window": 1, "prompt": prompt, "level": level})
    band = rt.read(screen.band)
    assert (band["satisfaction_pct"], band["rated"], band["satisfied_min_level"]) == (75.0, 4, 3)
    assert band["avg_wait_min"] == round(1 / 60, 1)
    rt.close()


@pytest.mark.parametrize("table,path,words", [
    ('notices = ["' + "很长的公告" * 20 + '"]', "screen.notices[0]", "at most 80 characters"),
    ('rules = "一次告知"', "screen.rules", "must be an array of strings"),
    ('rules = ["一次告知", ""]', "screen.rules[1]", "must be a non-empty string"),
    ("chime = 1", "screen.chime", "true or false"),
    ("colour = 'red'", "screen", "colour"),
])
def test_a_wrong_screen_table_is_named_precisely(table, path, words):
    text = re.sub(r"^\[screen\]\n(?:.+\n)+", f"[screen]\n{table}\n", COUNTY, flags=re.M)
    with pytest.raises(ConfigError) as e:
        hall(text)
    lines = [x for x in e.value.lines() if x.startswith(f"county.toml: {path}")]
    assert lines and any(words in x for x in lines), e.value.lines()


def test_the_screen_table_is_optional():
    h = hall(re.sub(r"^\[screen\]\n(?:.+\n)+", "", COUNTY, flags=re.M))
    assert (h.screen.notices, h.screen.rules, h.screen.chime) == ((), (), False)
