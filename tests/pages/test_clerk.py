"""The clerk console in Chromium against the real gateway (a subprocess on a clock inside
opening hours): log in at window 1, serve a ticket the kiosk issued, attach the 办件编号,
see what the kiosk and the API change pushed; window 1's console cannot act for window 2."""
import json
import time
import urllib.request
from pathlib import Path

import pytest

from browser_shots import screenshot
from gateway.config import load_file
from hil.broker import free_port
from hil.day.clock import day_start
from hil.gateway import Gateway

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "hall_config" / "county.toml"
WITHOUT = ("broker", "devices", "announcer", "status_led", "upstream", "kiosk")


@pytest.fixture
def gateway(tmp_path):
    _, start = day_start(load_file(CONFIG), hour=9.5)
    gw = Gateway(CONFIG, tmp_path / "gw", free_port(), free_port(), without=WITHOUT,
                 clock=(start, 1.0, time.time())).start()
    try:
        yield gw
    finally:
        gw.stop()


def api(gw, path, body, token):
    req = urllib.request.Request(gw.url + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def test_clerk_console_serves_a_ticket(gateway, page_at):
    token = (gateway.data_dir / "api_token").read_text().strip()
    page = page_at(1280, 800)
    page.goto(gateway.url + "/clerk")
    page.wait_for_selector("#login-token", state="visible")  # a new browser: the API token once
    screenshot(page, "clerk-console-login")
    page.select_option("#login-window", "1")
    page.fill("#login-code", "1001")
    page.fill("#login-token", token)
    page.click("#login-btn")
    page.wait_for_selector("#console-view", state="visible")
    assert page.inner_text("#staff-name").startswith("王芳")
    assert page.inner_text("#status") == "空闲" and page.inner_text("#win-title") == "1号 综合受理"
    page.wait_for_function("document.getElementById('link').textContent === '已连接'")

    issued = gateway.take_ticket({"service": "ZH"})
    # The kiosk's ticket reaches the page by push: nothing on the page asked for it.
    page.wait_for_function("document.getElementById('waiting').textContent === '1'", timeout=5000)
    assert page.is_disabled("[data-action=start]") and not page.is_disabled("[data-action=call_next]")

    page.click("[data-action=call_next]")
    page.wait_for_function(f"document.getElementById('ticket').textContent === '{issued['number']}'")
    assert page.inner_text("#status") == "叫号中" and page.inner_text("#waiting") == "0"
    assert page.inner_text("#message") == f"已叫号 {issued['number']}"
    # A recall made elsewhere (the API, as the pad would) is pushed to the console.
    api(gateway, "/api/v1/windows/1/actions", {"action": "recall"}, token)
    page.wait_for_function("document.getElementById('recalls').textContent === '1 / 3'", timeout=5000)

    page.click("[data-action=start]")
    page.wait_for_function("document.getElementById('status').textContent === '办理中'")
    assert page.is_disabled("[data-action=call_next]") and not page.is_disabled("[data-action=finish]")
    page.fill("#project-no", "330681-2026-000123")
    page.select_option("#matter-select", "330681-ZH-002")
    page.click("[data-action=attach_case]")
    page.wait_for_function("document.getElementById('message').textContent.startsWith('已关联 办件')")
    assert page.inner_text("#case-info") == f"{issued['number']}：330681-2026-000123（不动产登记）"
    screenshot(page, "clerk-console")

    # Window 1's console naming window 2 is refused; window 2 stays as it was.
    forged = page.evaluate("""async () => (await fetch('/clerk/api/action', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({action: 'call_next', window: 2})})).status""")
    assert forged == 403
    assert gateway.get("/api/v1/windows")[1]["status"] == "closed"

    page.click("#finish-buttons button:has-text('即办件')")
    page.wait_for_function("document.getElementById('status').textContent === '空闲'")
    assert page.inner_text("#message") == f"{issued['number']} 已办结（即办件）"
    assert page.inner_text("#evaluation") == f"可请评价 {issued['number']}"
    t = gateway.get(f"/api/v1/tickets/{issued['id']}")
    assert (t["outcome"], t["case_type"], t["project_no"], t["matter"], t["window"]) == \
        ("served", "immediate", "330681-2026-000123", "330681-ZH-002", 1)

    page.click("#logout-btn")
    page.wait_for_selector("#login-view", state="visible")
    assert page.is_hidden("#login-token")  # enrolled: next time the staff code is enough
    assert gateway.get("/api/v1/windows")[0]["status"] == "closed"
    # Logged in again with the code alone, then logged out elsewhere: the page is told at once.
    page.fill("#login-code", "1001")
    page.click("#login-btn")
    page.wait_for_function("document.getElementById('link').textContent === '已连接'")
    api(gateway, "/api/v1/windows/1/actions", {"action": "logout"}, token)
    page.wait_for_selector("#login-view", state="visible", timeout=5000)
    assert page.inner_text("#message") == "会话已结束，请重新登录"
    page.context.close()  # its event stream too, before the gateway stops
