"""The county's picture of a site names each active alert in Chinese, as the hall's own dashboard
does (gateway/reports/live.alert_text), never by its code."""
from gateway.config.load import load_file as load
from gateway.county import live
from tests.support import ROOT
from tests.support.words import english_or_iso


def alert(seq, kind, active=True, **info):
    ev = {"type": "alert", "at": 1765240000.0 + seq, "kind": kind, "active": active,
          "key": f"{kind}:{info.get('window', '')}", **info}
    return {"seq": seq, "cmd": {"type": "tick", "at": ev["at"]}, "outcome": {"events": [ev]}}


def test_alerts_are_named_in_chinese_and_close():
    s = live.new()
    live.fold(s, alert(1, "empty_post", window=3, reason="离岗超过10分钟"))
    live.fold(s, alert(2, "max_wait", service="ZH", longest_minutes=42.0))
    live.fold(s, alert(3, "device_flood", window=5, role="evaluator", dropped=1234, device="w05-eval"))
    texts = [a["text"] for a in live.summary(s)["alerts"]]  # a site whose hall file the county lacks
    assert texts == ["3号窗口：空岗（离岗超过10分钟）", "等候超过时限（最长 42 分钟）",
                     "5号窗口 评价器 消息过多，已丢弃 1234 条"]
    named = [a["text"] for a in live.summary(s, load(ROOT / "hall_config" / "county.toml"))["alerts"]]
    w3 = next(w.display_text for w in load(ROOT / "hall_config" / "county.toml").windows if w.number == 3)
    assert named[:2] == [f"{w3}：空岗（离岗超过10分钟）", "综合受理：等候超过时限（最长 42 分钟）"]
    assert not any(english_or_iso(t) for t in texts + named)
    live.fold(s, alert(4, "empty_post", active=False, window=3))
    assert [a["kind"] for a in live.summary(s)["alerts"]] == ["max_wait", "device_flood"]
