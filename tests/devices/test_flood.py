"""A device flood against the real gateway (`hallgw run` as a subprocess) on a real Mosquitto:
20,000 messages in the issue's mix (malformed events on window 3's call pad, events from ids that
are not in the hall file, well-formed call_next the engine refuses from that pad, ratings of no
prompt from window 3's evaluator). The queue is unchanged, the store and the log grow by a bounded
number of records and lines (the bound below, against 10,000 records and 18,500 error lines before),
the dashboard names each flooding device while the flood lasts and the alert ends when it is calm,
and window 5's call pad is served meanwhile. (RSS and latencies: `hall-bench flood`.)"""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from gateway.config import load_file
from gateway.devices.client import DeviceClient
from gateway.store.reader import LogReader
from hil.flood import EVALUATOR, PAD, Flooder
from hil.services.gateway import Gateway
from tests.support import ROOT
from tests.support.browser_shots import screenshot
from tests.support.hallday import MONDAY_9
from tests.support.mosquitto import free_port
from tests.support.mqtt_client import wait_for

CONFIG = ROOT / "hall_config" / "county.toml"
HALL = load_file(CONFIG)
H = HALL.id
SENT = 20_000
FLOODING = (PAD, EVALUATOR)
LIMITS = HALL.device_limits


@pytest.fixture
def gateway(tmp_path, mosquitto):
    gw = Gateway(CONFIG, tmp_path / "gw", free_port(), mosquitto.port, embedded_broker=False,
                 clock=(MONDAY_9 + 60, 1.0, time.time()), without=("announcer",))  # 9:01: open
    try:
        yield gw.start(timeout=180)  # `make test` runs it beside three other workers
    finally:
        gw.stop()


def dashboard(gw: Gateway) -> dict:
    req = urllib.request.Request(gw.url + "/api/v1/dashboard",
                                 headers={"Authorization": f"Bearer {gw.supervisor_token()}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def flood_texts(gw: Gateway) -> dict[str, str]:
    return {a["key"]: a["text"] for a in dashboard(gw)["alerts"] if a["kind"] == "device_flood"}


def records(gw: Gateway) -> list[dict]:
    with LogReader.open(gw.data_dir / "hall.db") as r:
        return list(r.records_after(0))


def test_a_flooding_device_is_cut_at_its_budget_and_another_window_is_served(gateway, mosquitto, page_at):
    gw = gateway
    for _ in range(3):
        gw.take_ticket({"service": "ZH"})
    queue = gw.get("/api/v1/queue")
    log_lines = len((gw.data_dir / "gateway.log").read_text(errors="replace").splitlines())
    head = len(records(gw))
    pad = DeviceClient(H, "w05-pad", "127.0.0.1", mosquitto.port)
    # As fast as the broker takes it, and on until the checks below are done.
    flooder = Flooder(H, mosquitto.port, SENT, more=True).start()
    try:
        # While it floods: each flooding source named on the dashboard, by window and role.
        want = {"device_flood:w03-pad", "device_flood:w03-eval", "device_flood:*"}
        assert wait_for(lambda: set(flood_texts(gw)) == want, 60), flood_texts(gw)
        texts = flood_texts(gw)
        assert texts["device_flood:w03-pad"].startswith("3号窗口 呼叫器 消息过多，已丢弃 ")
        assert texts["device_flood:w03-eval"].startswith("3号窗口 评价器 消息过多，已丢弃 ")
        assert texts["device_flood:*"].startswith("未登记的设备 消息过多，已丢弃 ")
        # The supervisor's dashboard, as the supervisor sees it: pushed, in words.
        page = page_at(1600, 1000)
        page.goto(f"{gw.url}/dashboard?key={gw.supervisor_token()}")
        shown = page.locator('#alerts li[data-kind="device_flood"]')
        shown.nth(2).wait_for(timeout=30_000)
        words = shown.all_inner_texts()
        assert any("3号窗口 呼叫器 消息过多，已丢弃 " in w for w in words), words
        assert any("3号窗口 评价器 消息过多，已丢弃 " in w for w in words), words
        assert any("未登记的设备 消息过多，已丢弃 " in w for w in words), words
        page.locator("#devices li.alert").nth(1).wait_for(timeout=30_000)  # the devices: at each look (2 s)
        listed = page.locator("#devices li.alert").all_inner_texts()
        assert [w.split(" · ")[0] for w in listed[:2]] == ["3号窗口 呼叫器", "3号窗口 评价器"], listed
        assert page.locator('.win.alerted[data-window="3"]').count() == 1
        screenshot(page, "dashboard-device-flood")
        # Window 5's call pad, meanwhile: its clerk logs in and calls the first ticket.
        pad.action("login", staff="1009")
        pad.wait(lambda d: d["logged_in"], timeout=30)
        pad.action("call_next")
        assert pad.wait(lambda d: d["ticket"] == "A001", timeout=30)["tstate"] == "called"
    finally:
        flooder.stop()
        pad.close()
    assert flooder.sent >= SENT

    # Calm again: each alert ends (its end is the barrier: a logged record), with the totals.
    def ended():
        return {r["cmd"]["device"]: r["cmd"] for r in records(gw)
                if r["cmd"]["type"] == "device_flood" and not r["cmd"]["active"]}
    assert wait_for(lambda: set(ended()) == {"w03-pad", "w03-eval", "*"}, 60), ended()
    assert flood_texts(gw) == {}
    page.locator('#alerts li[data-kind="device_flood"]').first.wait_for(state="detached", timeout=30_000)
    page.locator("#devices li.alert").first.wait_for(state="detached", timeout=30_000)  # at its next look (2 s)
    totals = ended()
    metrics = urllib.request.urlopen(gw.url + "/metrics", timeout=10).read().decode()
    for dev, cmd in totals.items():
        assert cmd["dropped"] > 0
        assert f'hall_device_messages_dropped_total{{device="{dev}"' in metrics

    # The queue: as it was, but for A001 that window 5 called.
    after = gw.get("/api/v1/queue")
    zh = {s["code"]: s["call_order"] for s in queue["services"]}["ZH"]
    assert zh == ["A001", "A002", "A003"]
    assert {s["code"]: s["call_order"] for s in after["services"]} == {
        s["code"]: [n for n in s["call_order"] if n != "A001"] for s in queue["services"]}

    # The store. A flooding device's refusals are logged only until its first drop, and by then at
    # most its burst got through, plus what its bucket refilled meanwhile (a flood at thousands a
    # second drains 100 in well under a second; twice the burst allows 20 s of refill). Then the
    # alert's two records, at its start and its end (with a pause of the flood longer than the
    # calm, a second pair: the unit tests hold "once" exactly). Before the budget: 10,000 records.
    new = records(gw)[head:]
    per_source = 2 * LIMITS.burst
    from_flood = [r for r in new if (r["cmd"].get("origin") or {}).get("dev") in FLOODING]
    assert len(from_flood) <= len(FLOODING) * per_source, f"{len(from_flood)} records from the flooding devices"
    assert all(not r["outcome"]["ok"] for r in from_flood)
    alerts = [r["cmd"] for r in new if r["cmd"]["type"] == "device_flood"]
    for dev in ("w03-pad", "w03-eval", "*"):
        mine = [c["active"] for c in alerts if c["device"] == dev]
        assert mine[0] is True and mine[-1] is False and mine.count(True) == mine.count(False), (dev, mine)
    # The log: a line for each message let through before a source's first drop (the same bound),
    # two for each alert, and room for 20 lines of anything else (the kiosk's absent printer).
    lines = len((gw.data_dir / "gateway.log").read_text(errors="replace").splitlines()) - log_lines
    assert lines <= 3 * per_source + len(alerts) + 20, f"the gateway log grew by {lines} lines"
