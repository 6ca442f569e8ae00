"""Booted on yesterday's saved time, through the HTTP routes: the hall still issues tickets, /healthz
and the dashboard say the clock is not synchronized (in Chinese), and a supervisor sets the clock
from their browser's clock in one step (POST /api/v1/dashboard/clock, the supervisor's key only):
the ticket keeps its number and is today's. Once NTP has the clock, setting it by hand is refused."""
import threading

import pytest
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.clock.hall_clock import HallClock
from gateway.clock.watch import Watch
from gateway.extensions import observe as observe_ext
from gateway.extensions import reports as reports_ext
from gateway.extensions.context import Tokens
from gateway.extensions.ports import HALL_CLOCK, PUSH_HUB
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from tests.clock.fakes import SYNCED, UNSYNCED, PiClock, Probe
from tests.support.context import context
from tests.support.hallday import at, hall

MON_1730, TUE_1005 = at(2026, 11, 23, 17, 30), at(2026, 11, 24, 10, 5)
TOKENS = Tokens("clerk-token-c", "supervisor-token-c", "kiosk-token-c", "screen-token-c")


@pytest.fixture
def served(tmp_path):
    pi = PiClock(MON_1730)
    rt = Runtime(hall(), tmp_path)
    clock = HallClock(pi.base, pi.boot)
    probe = Probe(UNSYNCED)
    watch = Watch(rt, clock, probe, boot="boot-1")
    watch.start()
    app = create_app(rt, TOKENS.clerk, clock=clock, supervisor_token=TOKENS.supervisor, kiosk_token=TOKENS.kiosk)
    ctx = context(rt, tmp_path, app=app, clock=clock, tokens=TOKENS, closing=threading.Event(),
                  ports={PUSH_HUB: PushHub(rt), HALL_CLOCK: watch})
    reports = reports_ext.create(ctx)
    reports.start()
    observe_ext.create(ctx)
    try:
        yield TestClient(app), pi, probe, watch
    finally:
        ctx.closing.set()
        reports.stop()
        watch.stop()
        rt.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_booted_on_yesterdays_time_then_set_by_a_supervisor(served):
    client, pi, probe, watch = served
    got = client.post("/api/v1/tickets", json={"service": "ZH"}, headers=bearer(TOKENS.kiosk))
    assert got.status_code == 201, got.text  # today's code: 409 "the hall is closed", all morning
    assert (got.json()["number"], got.json()["day"]) == ("A001", "2026-11-23")
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert health["checks"]["clock"]["synced"] is False and health["checks"]["clock"]["reason"] == "时钟未同步"
    assert health["checks"]["clock"]["detail"] == "test: not synchronized"  # what the probe said
    assert "hall_clock_synchronized 0.0" in client.get("/metrics").text
    clock = client.get("/api/v1/dashboard", headers=bearer(TOKENS.supervisor)).json()["clock"]
    assert clock["level"] == "unsynced" and clock["can_set"] and clock["title"] == "时钟未同步" and "本次开机时大厅时钟为 2026年11月23日 17:30" in clock["text"]

    body = {"browser_ms": int(TUE_1005 * 1000)}
    assert client.post("/api/v1/dashboard/clock", json=body).status_code == 401
    assert client.post("/api/v1/dashboard/clock", json=body, headers=bearer(TOKENS.clerk)).status_code == 401
    got = client.post("/api/v1/dashboard/clock", json=body, headers=bearer(TOKENS.supervisor))
    assert got.status_code == 200, got.text
    assert got.json()["message"] == "大厅时钟已校准（+16小时35分），现为 2026年11月24日 10:05"
    ticket = client.get("/api/v1/tickets/A001").json()
    assert (ticket["state"], ticket["day"]) == ("waiting", "2026-11-24")  # its number kept, today's
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["checks"]["clock"]["reason"] == "时钟未同步，已由监管人员手动校准"
    clock = client.get("/api/v1/dashboard", headers=bearer(TOKENS.supervisor)).json()["clock"]
    assert clock["level"] == "set_by_hand" and "按浏览器时间校准" in clock["text"]

    # NTP comes: the hand's offset goes, /healthz is ok, and the clock is no longer set by hand
    probe.reading = SYNCED
    watch.check()
    assert client.get("/healthz").json()["status"] == "ok"
    scraped = client.get("/metrics").text
    assert "hall_clock_synchronized 1.0" in scraped and "hall_clock_steps_total 2.0" in scraped
    again = client.post("/api/v1/dashboard/clock", json=body, headers=bearer(TOKENS.supervisor))
    assert again.status_code == 409 and again.json()["detail"] == "时钟已与网络或时钟模块同步，无需手动校准"


def test_a_browser_time_that_is_no_time_changes_nothing(served):
    client, *_ = served
    got = client.post("/api/v1/dashboard/clock", json={"browser_ms": 0}, headers=bearer(TOKENS.supervisor))
    assert got.status_code == 422 and got.json()["detail"][0]["loc"] == ["body", "browser_ms"]
    assert client.post("/api/v1/dashboard/clock", json={"browser_ms": "now"},
                       headers=bearer(TOKENS.supervisor)).status_code == 422
    assert client.get("/api/v1/dashboard", headers=bearer(TOKENS.supervisor)).json()["clock"]["level"] == "unsynced"
