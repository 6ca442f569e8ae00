"""The real gateway (`hallgw run`) booted on yesterday evening's saved time, its clock not
synchronized, in headless Chromium: the dashboard and the clerk console say so in Chinese, the hall
still issues tickets, and the supervisor clicks 按本机时间校准, sees the browser's time beside the
hall clock, and confirms: the hall clock is the browser's, the ticket keeps its number and is
today's, the console's note changes with it. Screenshots of the banner and the confirmation."""
import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.reports.dashhall import CONFIG, HALL, PUSH_MS, WITHOUT
from tests.support.browser_shots import screenshot


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    d = tmp_path_factory.mktemp("clock")
    state = d / "clock-state"
    state.write_text("unsynchronized\n")  # as the Pi's kernel says before NTP has answered
    tz = ZoneInfo(HALL.timezone)
    yesterday = dt.datetime.now(tz).date() - dt.timedelta(days=1)
    saved = dt.datetime.combine(yesterday, dt.time(17, 30), tzinfo=tz).timestamp()  # after closing
    gw = Gateway(CONFIG, d / "data", free_port(), free_port(), clock=(saved, 1.0, time.time()), without=WITHOUT)
    gw.env["HALLGW_CLOCK_STATE"] = str(state)
    gw.start()
    gw.supervisor = (gw.data_dir / "supervisor_token").read_text().strip()
    gw.clerk = (gw.data_dir / "api_token").read_text().strip()
    gw.yesterday, gw.today = yesterday.isoformat(), dt.datetime.now(tz).date().isoformat()
    yield gw
    gw.stop()


def test_booted_on_yesterdays_time_the_supervisor_sets_the_clock(gateway, page_at):
    gw = gateway
    ticket = gw.take_ticket({"service": "ZH"})  # today's code: 409 "the hall is closed"
    assert (ticket["number"], ticket["day"]) == ("A001", gw.yesterday)
    assert gw.get("/healthz")["checks"]["clock"]["reason"] == "时钟未同步"

    console = page_at(1280, 800)
    console.goto(gw.url + "/clerk")
    console.wait_for_selector("#login-token", state="visible")
    console.select_option("#login-window", "1")
    console.fill("#login-code", "1001")
    console.fill("#login-token", gw.clerk)
    console.click("#login-btn")
    console.wait_for_selector("#console-view", state="visible")
    expect(console.locator("#clock-note")).to_have_text("时钟未同步：记录的时间可能不准，请通知监管人员校准时钟")
    screenshot(console, "clock-console-unsynchronized")

    page = page_at(1920, 1080)
    page.goto(f"{gw.url}/dashboard?key={gw.supervisor}")
    banner = page.locator("#clock-banner")
    expect(banner).to_be_visible(timeout=PUSH_MS)
    expect(page.locator("#clock-title")).to_have_text("时钟未同步")
    expect(page.locator("#clock-text")).to_contain_text("取号暂不受办公时间限制")
    expect(page.locator("#clock-text")).to_contain_text(f"{int(gw.yesterday[5:7])}月{int(gw.yesterday[8:])}日")
    expect(page.locator("#r-windows tbody tr")).to_have_count(23, timeout=15_000)  # the report in the picture too
    screenshot(page, "clock-dashboard-unsynchronized")

    page.click("#clock-set")
    expect(page.locator("#clock-confirm")).to_be_visible()
    expect(page.locator("#clock-diff")).to_contain_text("+")  # the browser is about a day ahead of the hall
    expect(page.locator("#clock-hall")).to_contain_text(f"{int(gw.yesterday[5:7])}月{int(gw.yesterday[8:])}日")
    screenshot(page, "clock-dashboard-confirm")
    page.click("#clock-ok")
    expect(page.locator("#clock-msg")).to_contain_text("大厅时钟已校准", timeout=PUSH_MS)
    expect(page.locator("#clock-confirm")).to_be_hidden()
    # pushed, not reloaded: the banner now says the clock was set by hand (until NTP has it)
    expect(page.locator("#clock-text")).to_contain_text("按浏览器时间校准", timeout=PUSH_MS)
    expect(banner).to_have_attribute("data-level", "set_by_hand")
    screenshot(page, "clock-dashboard-set")
    expect(console.locator("#clock-note")).to_have_text("时钟未与网络同步，已由监管人员手动校准", timeout=PUSH_MS)

    again = gw.get("/api/v1/tickets/A001")
    assert (again["number"], again["state"], again["day"]) == ("A001", "waiting", gw.today)
    health = gw.get("/healthz")
    assert health["status"] == "degraded" and health["checks"]["clock"]["reason"] == "时钟未同步，已由监管人员手动校准"
