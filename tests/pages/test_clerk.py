"""The clerk console in Chromium against the real gateway (a subprocess on a clock inside
opening hours): log in at window 1, serve a ticket the kiosk issued, attach the 办件编号,
see what the kiosk and the API change pushed; window 1's console cannot act for window 2."""
import json
import time
import urllib.request

import pytest

from gateway.config import load_file
from hil.day.clock import day_start
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.support import ROOT
from tests.support.browser_shots import screenshot
from tests.support.words import english_or_iso

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


# Each piece of text on the console that a clerk reads at a glance (the status panel, the
# header, the keys and the cards' titles) on one line: a text node laid out on two line boxes
# is a word broken in two ("外出办 / 事").
WRAPPED = """() => {
  const out = [];
  for (const root of document.querySelectorAll('header, #status-panel, #actions button, #actions .title')) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.textContent.trim() || !n.parentElement.offsetParent) continue;
      const r = document.createRange();
      r.selectNodeContents(n);
      const tops = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
      if (tops.size > 1) out.push(n.textContent);
    }
  }
  return out;
}"""


def parts(page, sel: str) -> list[str]:
    return page.eval_on_selector(sel, "e => [...e.children].map((c) => c.textContent)")


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

    # The call reaches the gateway but its answer is lost on the way (a time-out): the page asks
    # again with the same key and is told the first answer (called), not "window 1 is calling".
    keys = []

    def answer_lost_once(route):
        keys.append(route.request.header_value("idempotency-key"))
        if len(keys) == 1:
            route.fetch()
            route.abort("timedout")
        else:
            route.continue_()
    page.route("**/clerk/api/action", answer_lost_once)
    page.click("[data-action=call_next]")
    page.wait_for_function(f"document.getElementById('message').textContent === '已叫号 {issued['number']}'")
    assert page.inner_text("#ticket") == issued["number"]
    assert page.inner_text("#status") == "叫号中" and page.inner_text("#waiting") == "0"
    assert len(keys) == 2 and keys[0] == keys[1]
    page.unroute("**/clerk/api/action")
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
    assert page.text_content("#case-info") == f"{issued['number']}：330681-2026-000123（不动产登记）"

    # Window 1's console naming window 2 is refused; window 2 stays as it was.
    forged = page.evaluate("""async () => (await fetch('/clerk/api/action', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({action: 'call_next', window: 2})})).status""")
    assert forged == 403
    assert gateway.get("/api/v1/windows")[1]["status"] == "closed"

    page.click("#finish-buttons button:has-text('即办件')")
    page.wait_for_function("document.getElementById('status').textContent === '空闲'")
    assert page.inner_text("#message") == f"{issued['number']} 已办结（即办件）"
    assert parts(page, "#evaluation") == ["可请评价", issued["number"]]
    t = gateway.get(f"/api/v1/tickets/{issued['id']}")
    assert (t["outcome"], t["case_type"], t["project_no"], t["matter"], t["window"]) == \
        ("served", "immediate", "330681-2026-000123", "330681-ZH-002", 1)
    # The citizen rates with the code on the slip (the phone page): the console is told, pushed,
    # and no longer offers to invite a rating (一次一评).
    gateway.post("/api/v1/ratings/supplementary", {"code": issued["sup_code"], "level": 5})
    page.wait_for_function("document.getElementById('evaluation').textContent.startsWith('已评价')", timeout=5000)
    assert parts(page, "#evaluation") == ["已评价", issued["number"], "非常满意", "（扫码补充评价）"]
    assert page.is_disabled("[data-action=request_evaluation]")

    # Paused, out on business until 10:30: every row stays whole at the hall's screen sizes.
    page.select_option("#pause-reason-select", "外出办事")
    page.select_option("#pause-until-input", "10:30")
    page.click("[data-action=pause]")
    page.wait_for_function("document.getElementById('status').textContent === '暂停'")
    assert page.inner_text("#pause-reason") == "外出办事" and page.inner_text("#pause-until") == "10:30 返回"
    for width, height in ((1366, 768), (1920, 1080), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        broken = page.evaluate(WRAPPED)
        assert broken == [], (width, broken)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
    page.set_viewport_size({"width": 1366, "height": 768})
    words = english_or_iso(page.inner_text("body"))
    assert words == [], words
    screenshot(page, "clerk-console")
    page.click("[data-action=resume]")
    page.wait_for_function("document.getElementById('status').textContent === '空闲'")

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
