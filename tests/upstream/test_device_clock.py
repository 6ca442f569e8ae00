"""An evaluator whose clock was never set (its RTC counts from 2000-01-01: the hall's NTP
never answered it) rates a service. The real firmware on an emulated board, a real
Mosquitto, the device plane, the store, the reporting store and delivery to the emulated
province: the rating lands on today at the gateway's receipt time in the day's report and
in the 好差评 record sent up, and the command log keeps the device's stamp beside it."""
import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from gateway.devices.plane import DevicePlane
from gateway.runtime import DB_NAME, Runtime
from gateway.store.reader import LogReader
from gateway.upstream.service import Upstream
from hil.board import Board
from hil.province.control import Province
from tests.reports.serving import auth, caught_up, served
from tests.support.hallday import MONDAY_9
from tests.support.mqtt_client import wait_for
from tests.upstream.uphall import APP_KEY, SECRET, hall_for

CLOCK_VALID = 1577836800  # 2020-01-01: earlier is a clock that was never set
DEV = "w01-eval"


class HallClock:
    """Real time, moved to a Monday 10:00 in the hall (open: tickets, prompts)."""

    def __init__(self):
        self.t0 = time.monotonic()

    def __call__(self) -> float:
        return MONDAY_9 + 3600 + (time.monotonic() - self.t0)


@pytest.fixture
def province(tmp_path):
    with Province(tmp_path / "province", APP_KEY, SECRET) as p:
        yield p


def test_an_evaluator_with_a_2000_clock_rates_today_at_the_receipt_time(tmp_path, mosquitto, province):
    hall = hall_for(province.url, tmp_path)
    clock = HallClock()
    rt = Runtime(hall, tmp_path / "gw")
    recorded, seen = [], threading.Event()

    def on_events(evs):
        for e in evs:
            if e.get("type") == "rating_recorded":
                recorded.append(e)
                seen.set()
    rt.subscribe(on_events)
    rt.start_ticker(clock, 0.2)
    plane = DevicePlane(hall, rt, tmp_path / "dev", "127.0.0.1", mosquitto.port, clock=clock, tick_seconds=0.2)
    plane.start()
    up = Upstream(rt, tmp_path / "gw" / DB_NAME, clock, retry_base=0.05)
    up.start()
    board = Board("evaluator", {"device": DEV, "hall": hall.id, "window": 1, "wifi_ssid": "hall-iot",
                                "wifi_password": "secret", "broker_host": "127.0.0.1",
                                "broker_port": mosquitto.port, "keepalive": 10, "wdt_ms": 8000},
                  tmp_path / DEV)
    board.ntp(False)  # the hall's NTP server never answers: the RTC stays on 2000-01-01
    board.start()
    try:
        assert wait_for(lambda: plane.registry.get(DEV).online), "the evaluator never came online"

        def do(kind, **kw):
            out = rt.submit({"type": kind, "at": clock(), "window": 1, **kw})
            assert out.ok, out.refusal
            return out
        assert rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH", "matter": "330681-ZH-001"}).ok
        do("login", staff_code="1001")
        for kind in ("call_next", "start", "finish", "request_evaluation"):
            do(kind)
        board.wait_until(lambda: board.leds().get("unsatisfied") == 1, what="the prompt lit")
        board.press("unsatisfied")  # 不满意: a 差评, so the day's report lists it with its time
        board.wait_until(lambda: board.screen_text()[0] == "请选择原因", what="the reason step")
        board.press("pick")
        before = clock()
        board.press("done")
        assert seen.wait(20), "the rating never reached the engine"
        after = clock()
        rec = recorded[0]

        # The command log: the receipt time is the rating's, the device's stamp kept beside it.
        reader = LogReader.open(tmp_path / "gw" / DB_NAME)
        try:
            rate = next(r for r in reader.records_after(0) if r["cmd"].get("type") == "rate")
        finally:
            reader.close()
        stamp = rate["cmd"]["rated_at"]
        assert stamp < CLOCK_VALID  # what the evaluator's RTC said: some seconds after 2000-01-01
        logged = next(e for e in rate["outcome"]["events"] if e["type"] == "rating_recorded")
        assert logged["rated_at"] == rate["cmd"]["at"] and before <= logged["rated_at"] <= after
        assert (logged["time_from"], logged["device_rated_at"], logged["time_check"]) == (
            "gateway", stamp, "clock_unset")
        assert logged["day"] == "2026-11-23"

        # What went up to the province: today, at the receipt time.
        local = dt.datetime.fromtimestamp(rec["rated_at"], ZoneInfo(hall.timezone))
        assert wait_for(province.records), "nothing reached the province"
        sent = province.records()
        assert len(sent) == 1
        assert sent[0]["record"]["assess_time"] == local.strftime("%Y-%m-%d %H:%M:%S")
        assert sent[0]["record"]["assess_time"].startswith("2026-11-23 10:")

        # The day's report (the reporting store folded from the log) lists the 差评 at that time.
        with served(rt, tmp_path / "gw", clock()) as client:
            rep = caught_up(client)
            assert rep["period"]["from"] == "2026-11-23"
            assert [b["rated_at"] for b in rep["ratings_bad"]] == [local.isoformat(timespec="seconds")]
            assert client.get("/api/v1/reports?period=day", headers=auth()).status_code == 200
    finally:
        board.stop()
        up.stop()
        plane.stop()
        rt.close()
