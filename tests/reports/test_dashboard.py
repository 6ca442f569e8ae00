"""The supervisor's dashboard in headless Chromium against the real gateway (`hallgw run` as a
subprocess): opened with the key once (then the cookie), live windows and a live alert pushed
without a reload, the report's figures and charts as text in the DOM, the filters."""
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.reports.dashhall import PUSH_MS, act, start_gateway
from tests.support.browser_shots import screenshot


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    gw = start_gateway(tmp_path_factory.mktemp("dashboard"))
    yield gw
    gw.stop()


def test_the_stream_needs_the_supervisor(gateway):
    for key in ("", gateway.clerk):
        req = urllib.request.Request(f"{gateway.url}/api/v1/stream/dashboard",
                                     headers={"Authorization": f"Bearer {key}"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        assert e.value.code == 401


def test_dashboard_live_alert_report_and_filters(gateway, page_at):
    gw = gateway
    page = page_at(1920, 1080)
    page.goto(f"{gw.url}/dashboard?key={gw.supervisor}")
    assert page.url == f"{gw.url}/dashboard"  # the key left the address bar (an HttpOnly cookie holds it)
    expect(page.locator("body")).to_have_attribute("data-stale", "false", timeout=PUSH_MS)
    boot = page.evaluate("window.dashboardBootId")
    expect(page.locator("#hall-name")).to_have_text("某某县政务服务中心")
    expect(page.locator(".win")).to_have_count(23)
    expect(page.locator('.win[data-window="1"]')).to_have_attribute("data-status", "closed")

    # Clerks log in and serve: pushed to the windows and the band, then into the report.
    act(gw, 1, action="login", staff_code="1001")
    act(gw, 2, action="login", staff_code="1003")
    expect(page.locator('.win[data-window="1"]')).to_have_attribute("data-status", "idle", timeout=PUSH_MS)
    expect(page.locator('.win[data-window="1"] .who')).to_contain_text("王芳")
    for _ in range(3):
        gw.take_ticket({"service": "ZH"})
    expect(page.locator("#t-issued")).to_have_text("3", timeout=PUSH_MS)
    number = act(gw, 1, action="call_next")["number"]
    expect(page.locator('.win[data-window="1"] .what b')).to_have_text(number, timeout=PUSH_MS)
    act(gw, 1, action="start")
    act(gw, 1, action="finish", case_type="immediate")
    expect(page.locator("#t-served")).to_have_text("1", timeout=PUSH_MS)
    expect(page.locator('#r-totals .fig[data-fig="1"] b')).to_have_text("1", timeout=15_000)  # 办结 in the month
    expect(page.locator('[data-chart="waits"] svg text').first).to_have_text("等候时长分布（分钟）")
    expect(page.locator("#r-windows tbody tr")).to_have_count(23)
    expect(page.locator("#r-trend thead th")).to_have_count(13)  # 12 weeks of 满意度
    expect(page.locator("#r-trend tbody tr td").first).to_have_text("全厅")
    expect(page.locator("#trend-chart svg text").first).to_have_text("满意度周趋势（%）")

    # A live alert: four tickets for a service no open window serves -> the tidal alert.
    expect(page.locator('#alerts li[data-kind="tidal"]')).to_have_count(0)
    for _ in range(4):
        gw.take_ticket({"service": "BD"})
    alert = page.locator('#alerts li[data-kind="tidal"]')
    expect(alert).to_have_count(1, timeout=PUSH_MS)
    expect(alert).to_contain_text("等候人数多，请开潮汐窗口")
    expect(page.locator('#queues tr[data-service="BD"] .count')).to_have_text("4")
    assert page.evaluate("window.dashboardBootId") == boot  # pushed: the page was never reloaded
    expect(page.locator("#printer")).to_have_attribute("data-state", "offline", timeout=PUSH_MS)
    expect(page.locator('#alerts li[data-kind="printer"]')).to_contain_text("叫号机打印机")
    # Device health from the device plane: every configured device, none online (no boards here).
    expect(page.locator("#dev-summary")).to_have_text("在线 0/69")
    expect(page.locator("#devices li.offline")).to_have_count(69)
    expect(page.locator('#devices li[data-device="w01-pad"]')).to_contain_text("呼叫器 · 离线")
    screenshot(page, "dashboard-first-look")
    page.locator("#charts").scroll_into_view_if_needed()
    screenshot(page, "dashboard-report")

    # Filters: one window, then one day; the live grid and the report both narrow.
    page.select_option("#f-window", "1")
    expect(page.locator(".win")).to_have_count(1)
    expect(page.locator("#r-windows tbody tr")).to_have_count(1, timeout=PUSH_MS)
    expect(page.locator("#r-windows tbody tr td").first).to_have_text("1")
    page.select_option("#f-period", "day")
    day = page.input_value("#f-date")
    y, m, d = (int(x) for x in day.split("-"))
    expect(page.locator("#report-label")).to_have_text(f"{y}年{m}月{d}日", timeout=PUSH_MS)
    assert "window=1" in page.get_attribute("#x-pdf", "href")
    page.select_option("#f-window", "")
    page.select_option("#f-staff", "s003")
    expect(page.locator(".win")).to_have_count(1)  # the window s003 is logged in at
    expect(page.locator("#r-staff tbody tr")).to_have_count(1, timeout=PUSH_MS)
    expect(page.locator("#r-staff tbody tr td").first).to_have_text("张娜")  # by name, not staff number
