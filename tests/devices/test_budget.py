"""Each device's budget of messages (gateway/devices/budget.py), the engine's flood alert
(gateway/engine/floods.py), the [device_limits] keys and the alert's words on the dashboard."""
import pytest

from gateway.config import ConfigError, load_file, load_text
from gateway.config.device_limits import MIN_BURST, DeviceLimits
from gateway.devices.budget import UNKNOWN, Budget
from gateway.reports import live
from gateway.reports.names import Names
from tests.support import ROOT
from tests.support.hallday import Driver

HALL = load_file(ROOT / "hall_config" / "county.toml")
DEVICES = [d.id for d in HALL.devices]
LIMITS = DeviceLimits(messages_per_second=2.0, burst=40, calm_seconds=10.0)


def test_a_burst_passes_then_the_excess_is_dropped_and_counted_until_the_bucket_refills():
    b = Budget(LIMITS, DEVICES)
    assert all(b.admit("w03-pad", 100.0) for _ in range(40))  # a burst at one instant: all of it
    assert not b.admit("w03-pad", 100.0) and not b.admit("w03-pad", 100.1)
    assert b.totals() == {"w03-pad": 2} and b.flooding("w03-pad")
    assert b.admit("w03-pad", 101.0)  # a second on: two more (2/s, from the 0.2 left)
    assert b.admit("w03-pad", 101.0) and not b.admit("w03-pad", 101.0)
    # another device has its own budget, untouched by the flood
    assert all(b.admit("w05-pad", 101.0) for _ in range(40)) and not b.flooding("w05-pad")
    assert b.floods() == {"w03-pad": 3}


def test_ids_not_in_the_hall_file_share_one_budget_however_many_a_flood_invents():
    b = Budget(LIMITS, DEVICES)
    admitted = sum(b.admit(f"x{i:05d}", 5.0) for i in range(5000))
    assert admitted == 40 and b.totals()[UNKNOWN] == 4960
    assert set(b._buckets) == {UNKNOWN} and b.floods() == {UNKNOWN: 4960}
    assert b.key(None) == UNKNOWN and b.key("w03-eval") == "w03-eval"


def test_an_episode_is_raised_once_and_ends_when_the_device_is_calm():
    b = Budget(LIMITS, DEVICES)
    for _ in range(50):
        b.admit("w03-eval", 0.0)
    start, end = b.due(0.5)
    assert [e.device for e in start] == ["w03-eval"] and start[0].dropped == 10 and end == []
    assert b.due(1.0) == ([], [])  # raised once
    assert b.quiet("w03-eval", "unlogged") and b.quiet("w03-eval", "malformed")
    assert not b.quiet("w05-pad", "unlogged")  # not flooding: its refusals are logged as ever
    assert sum(b.admit("w03-eval", 9.0) for _ in range(19)) == 18  # refilled 18, then past it again:
    # the calm counts from this last drop
    assert b.due(18.9) == ([], [])
    start, end = b.due(19.0)
    assert start == [] and [(e.device, e.dropped, e.unlogged, e.malformed) for e in end] == [("w03-eval", 11, 1, 1)]
    assert not b.flooding("w03-eval") and b.floods() == {} and b.totals()["w03-eval"] == 11


def test_a_flood_that_started_and_calmed_between_two_looks_is_raised_then_ended():
    b = Budget(LIMITS, DEVICES)
    for _ in range(41):
        b.admit("w03-pad", 0.0)
    start, end = b.due(30.0)
    assert [e.device for e in start] == [e.device for e in end] == ["w03-pad"]


def test_an_alert_left_up_by_the_last_run_ends_once_calm_and_is_not_raised_again():
    b = Budget(LIMITS, DEVICES)
    b.resume("w03-pad", 0.0)
    assert b.due(5.0) == ([], [])
    assert [e.device for e in b.due(10.0)[1]] == ["w03-pad"]


def test_the_engine_keeps_one_alert_per_flooding_device_and_its_end_holds_the_totals():
    d = Driver()
    out = d("device_flood", device="w03-eval", active=True, dropped=12)
    assert out.ok
    a = d.engine.alerts["device_flood:w03-eval"]
    assert (a["kind"], a["device"], a["window"], a["role"], a["dropped"]) == ("device_flood", "w03-eval", 3,
                                                                             "evaluator", 12)
    assert d("device_flood", device="w03-eval", active=True, dropped=99).events == []  # up already
    raised_at = a["at"]
    end = d("device_flood", device="w03-eval", active=False, dropped=19800, unlogged=40, malformed=7)
    [ev] = [e for e in end.events if e["type"] == "alert"]
    assert (ev["active"], ev["key"], ev["window"], ev["since"]) == (False, "device_flood:w03-eval", 3, raised_at)
    assert (ev["dropped"], ev["unlogged"], ev["malformed"]) == (19800, 40, 7)
    assert "device_flood:w03-eval" not in d.engine.alerts
    assert d("device_flood", device="w03-eval", active=False, dropped=1).events == []  # not up: nothing changes
    assert d.ok("device_flood", device=UNKNOWN, active=True, dropped=5)["active"] is True
    assert "window" not in d.engine.alerts["device_flood:*"]
    assert "no device" in d.refused("device_flood", device="w99-pad", active=True)


def test_the_dashboard_names_the_device_by_window_and_role_with_the_count_now():
    d = Driver()
    d.ok("device_flood", device="w03-eval", active=True, dropped=12)
    d.ok("device_flood", device=UNKNOWN, active=True, dropped=3)
    pic = live.picture(d.engine, d.now)
    texts = {a["key"]: a["text"] for a in pic["alerts"]}
    assert texts == {"device_flood:w03-eval": "3号窗口 评价器 消息过多，已丢弃 12 条",
                     "device_flood:*": "未登记的设备 消息过多，已丢弃 3 条"}
    now = live.with_flood_counts(pic["alerts"], {"w03-eval": 1234, UNKNOWN: 4960})
    assert [a["text"] for a in now] == ["3号窗口 评价器 消息过多，已丢弃 1234 条", "未登记的设备 消息过多，已丢弃 4960 条"]
    assert [a["window"] for a in now] == [3, None]  # the window's tile is marked too


COUNTY = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")


def with_limits(text: str) -> str:
    """The county hall with its [device_limits] table replaced by text."""
    start = COUNTY.index("[device_limits]\n")
    end = COUNTY.index("calm_seconds = 10\n", start) + len("calm_seconds = 10\n")
    return COUNTY[:start] + text + COUNTY[end:]


def test_device_limits_defaults_and_the_hall_files_values():
    assert HALL.device_limits == DeviceLimits(10.0, 100, 10.0)
    assert load_text(with_limits(""), "x.toml").device_limits == DeviceLimits()
    h = load_text(with_limits("[device_limits]\nmessages_per_second = 0.5\nburst = 60\n"), "x.toml")
    assert h.device_limits == DeviceLimits(0.5, 60, 10.0)
    assert DeviceLimits() == DeviceLimits(10.0, 100, 10.0)


@pytest.mark.parametrize("table, path, words", [
    (f"burst = {MIN_BURST - 1}", "device_limits.burst", "clerk pressing keys quickly"),
    ("messages_per_second = 0", "device_limits.messages_per_second", "out of range"),
    ("calm_seconds = \"10\"", "device_limits.calm_seconds", "number"),
    ("burst = 40.5", "device_limits.burst", "integer"),
    ("per_device = 3", "device_limits.per_device", "unknown key"),
])
def test_device_limits_that_cannot_work_are_refused_with_the_key(table, path, words):
    with pytest.raises(ConfigError) as e:
        load_text(with_limits(f"[device_limits]\n{table}\n"), "x.toml")
    assert [(p, words in msg) for p, msg in e.value.problems] == [(path, True)]


def test_the_report_names_which_device_of_the_window_flooded():
    names = Names(HALL)
    assert names.alert("device_flood", "device_flood:w03-eval") == "设备消息过多（评价器）"
    assert names.alert("device_flood", "device_flood:w03-pad") == "设备消息过多（呼叫器）"
    assert names.alert("device_flood", "device_flood:*") == "设备消息过多（未登记的设备）"
    assert names.alert("empty_post", "empty_post:3") == "空岗"
