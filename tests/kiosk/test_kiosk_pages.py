"""The kiosk page in Debian's chromium against a gateway (API + kiosk extension, uvicorn in a
thread) whose printer is the emulated one: a ticket taken by touch is printed and the page shows
the same number; with the paper out the page says so and shows the number on screen."""
import json
import re
import socket
import threading
import time
import urllib.request

import pytest
import uvicorn
from playwright.sync_api import expect

from gateway.api import create_app
from gateway.extensions import kiosk as kiosk_ext
from gateway.extensions.ports import PUSH_HUB
from gateway.kiosk import qr
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from hil.printer import PrinterEmulator
from tests.kiosk.halls import county
from tests.support.browser_shots import screenshot
from tests.support.context import context
from tests.support.words import english_or_iso

KIOSK = "kiosk-page-token"
MONDAY_9 = 1795395600.0  # 2026-11-23 09:00 in Shanghai: the hall is open
PUSH_MS = 5_000  # "within a bounded wait": a push takes milliseconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gateway(tmp_path):
    with PrinterEmulator() as emu:
        rt = Runtime(county(emu.serve_tcp()), tmp_path)
        start = time.time()
        clock = lambda: MONDAY_9 + (time.time() - start)  # noqa: E731
        app = create_app(rt, "clerk-token", clock=clock, supervisor_token="supervisor-token")
        ext = kiosk_ext.create(context(rt, tmp_path, app=app, clock=clock, printer_poll_seconds=0,
                                       tokens={"kiosk": KIOSK, "supervisor": "supervisor-token"},
                                       ports={PUSH_HUB: PushHub(rt)}))
        ext.start()
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        th = threading.Thread(target=server.run, daemon=True)
        th.start()
        while not server.started:
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}", rt, emu
        server.should_exit = True
        th.join(timeout=5)
        ext.stop()
        rt.close()


def take_by_touch(page):
    page.locator("#choices button", has_text="县人力社保局").click()
    page.locator("#choices button", has_text="社会保险").click()
    page.locator("#choices button", has_text="社会保障卡申领").click()
    page.locator("#choices button", has_text="普通").click()
    page.locator("#result").wait_for(state="visible")


def test_a_ticket_by_touch_is_printed_and_shown(gateway, page_at):
    url, rt, emu = gateway
    page = page_at(1080, 1920)
    page.clock.install()  # the page's timers under the test's hand (the 20 s idle return)
    assert page.goto(f"{url}/kiosk").status == 401  # no key, no kiosk
    page.goto(f"{url}/kiosk?key={KIOSK}")
    assert page.url == f"{url}/kiosk"  # the key is not left in the address bar
    assert page.evaluate("document.cookie") == ""  # HttpOnly: the script never holds the secret
    assert page.locator("a").count() == 0  # a locked kiosk: no way out
    page.locator("#choices button", has_text="县人力社保局").wait_for()
    sizes = page.eval_on_selector_all("#choices button", "bs => bs.map(b => b.getBoundingClientRect().height)")
    assert min(sizes) >= 64
    take_by_touch(page)
    assert page.locator("#status").inner_text() == "请取票"
    number = page.locator("#number").inner_text()
    assert number == "B001"
    slip = emu.printed[-1]
    assert slip.sized(4) == [number]
    tid = rt.read(lambda e: e.by_number[number])
    code = rt.read(lambda e: e.tickets[tid]["sup_code"])
    assert slip.qr == [f"http://127.0.0.1:8080/t/{tid}?c={code}"]
    assert page.locator("#ahead").inner_text() == "前面还有 0 人"
    assert page.locator("#wait").inner_text() == "预计等候约 0 分钟"
    screenshot(page, "kiosk")
    page.locator("#home").click()
    assert page.locator("#title").inner_text() == "请选择办事部门"
    # left half-way: 20 s without a touch and the kiosk is back at the start for the next citizen
    page.locator("#choices button", has_text="县人力社保局").click()
    assert page.locator("#title").inner_text() == "县人力社保局"
    page.clock.run_for(19000)
    assert page.locator("#title").inner_text() == "县人力社保局"
    page.clock.run_for(2000)
    assert page.locator("#title").inner_text() == "请选择办事部门"


def test_paper_out_the_page_says_so_and_shows_the_number(gateway, page_at):
    url, rt, emu = gateway
    emu.set_state("paper_out")
    page = page_at(1920, 1080)
    page.goto(f"{url}/kiosk?key={KIOSK}")
    take_by_touch(page)
    number = page.locator("#number").inner_text()
    assert number == "B001" and "缺纸" in page.locator("#reason").inner_text()
    assert page.locator("#status").inner_text() == "请记住您的号码"
    assert emu.tickets == []
    assert rt.read(lambda e: e.tickets[e.by_number[number]]["state"]) == "waiting"  # shown, so it stands
    # No slip, so the screen carries the slip's QR code: the same link the printer would print.
    tid = rt.read(lambda e: e.by_number[number])
    code = rt.read(lambda e: e.tickets[tid]["sup_code"])
    page.locator("#qr-img").wait_for(state="visible")
    assert page.locator("#qr-img").get_attribute("src") == qr.data_url(f"http://127.0.0.1:8080/t/{tid}?c={code}")
    box, main = page.locator("#qr-img").bounding_box(), page.locator("main").bounding_box()
    assert box["width"] >= 200, box  # large enough to scan
    assert main["y"] <= box["y"] and box["y"] + box["height"] <= main["y"] + main["height"], (box, main)  # all of it
    assert page.evaluate("document.querySelector('main').scrollHeight <= document.querySelector('main').clientHeight")
    assert page.evaluate("document.getElementById('qr-img').naturalWidth") > 0  # the image decoded
    assert "手机扫码" in page.locator("#qr").inner_text()
    assert english_or_iso(page.inner_text("body")) == []
    screenshot(page, "kiosk-paper-out")
    # the paper runs out in the middle of the next slip: voided, the page offers to take another
    emu.set_state("ok")
    emu.run_out_after(40)
    page.locator("#home").click()
    take_by_touch(page)
    assert page.locator("#status").inner_text() == "号票没能打印"
    assert page.locator("#reason").inner_text() == "抱歉，打印机缺纸，号票没能打印出来，此号已作废，不会叫到此号，请点“重新取号”"
    assert english_or_iso(page.inner_text("body")) == []
    screenshot(page, "kiosk-slip-failed")
    void = page.locator("#number").inner_text()
    assert rt.read(lambda e: e.tickets[f"{e.day}-{void}"]["outcome"]) == "voided"
    assert page.locator("#qr").is_hidden()  # a voided number has no page to follow
    page.locator("#retry").click()
    page.wait_for_function("document.querySelector('#status').textContent === '请记住您的号码'")
    assert page.locator("#number").inner_text() == "B003"


def test_a_request_whose_answer_is_lost_is_asked_again_with_its_key(gateway, page_at):
    """The kiosk's first request reaches the gateway (the ticket is taken and printed) but its
    answer never comes back (a time-out on the hall's network): the page asks again with the
    same key and shows the one number printed; no second ticket, no second slip."""
    url, rt, emu = gateway
    page = page_at(1080, 1920)
    page.goto(f"{url}/kiosk?key={KIOSK}")
    keys = []

    def answer_lost_once(route):
        keys.append(route.request.header_value("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the gateway takes the ticket and prints it ...
            route.abort("timedout")  # ... and the answer is lost on the way
        else:
            route.continue_()
    page.route("**/api/v1/kiosk/tickets", answer_lost_once)
    take_by_touch(page)
    assert page.locator("#status").inner_text() == "请取票"
    number = page.locator("#number").inner_text()
    assert number == "B001"
    assert len(keys) == 2 and keys[0] == keys[1] and re.fullmatch(r"[0-9a-f]{32}", keys[0])
    assert [slip.sized(4) for slip in emu.printed] == [["B001"]]  # one slip, the number the page shows
    assert rt.read(lambda e: [t["number"] for t in e.tickets.values()]) == ["B001"]
    # the next touch is another request: a new key, the next number
    page.locator("#home").click()
    take_by_touch(page)
    assert page.locator("#number").inner_text() == "B002" and len(keys) == 3 and keys[2] != keys[0]


def kiosk_ticket(url: str) -> dict:
    """A ticket taken as the kiosk page takes it (its token), printed on the emulated printer."""
    req = urllib.request.Request(f"{url}/api/v1/kiosk/tickets",
                                 json.dumps({"service": "SB", "matter": "330681-SB-002"}).encode(),
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {KIOSK}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())["ticket"]


def phone(page_at, url: str, qr_url: str):
    """The slip's QR code opened on a phone (390x844), its stream up; the page's clock in the
    test's hand (it runs as a clock does until the test moves it on)."""
    page = page_at(390, 844)
    page.clock.install()
    page.goto(qr_url.replace("http://127.0.0.1:8080", url))
    expect(page.locator("body")).to_have_attribute("data-stale", "false", timeout=PUSH_MS)
    return page


def step(rt, window: int, *kinds, **extra):
    for kind in kinds:
        out = rt.submit({"type": kind, "at": rt.read(lambda e: max(t["issued_at"] for t in e.tickets.values())) + 5,
                         "window": window, **extra})
        assert out.ok, out.refusal


def test_the_phone_page_is_pushed_and_takes_the_supplementary_rating(gateway, page_at):
    url, rt, emu = gateway
    kiosk_ticket(url)  # someone before us
    mine = kiosk_ticket(url)
    assert emu.printed[-1].qr == [mine["qr_url"]]  # the page is the slip's QR code
    assert rt.submit({"type": "login", "at": mine["issued_at"] + 1, "window": 2, "staff_code": "1003"}).ok
    page = phone(page_at, url, mine["qr_url"])
    boot = page.evaluate("window.phoneBootId")
    loads, polls = [], []
    page.on("framenavigated", lambda f: loads.append(f.url))
    page.on("request", lambda r: polls.append(r.url) if "/progress/" in r.url else None)
    expect(page.locator("#number")).to_have_text(mine["number"])
    expect(page.locator("#headline")).to_have_text("等候中")
    expect(page.locator("#detail")).to_have_text("前面还有 1 人，预计等候约 5 分钟")
    expect(page.locator("#service")).to_have_text("社会保险 · 社会保障卡申领")
    assert page.locator("#facts").inner_text().split() == ["取号时间", "09:00", "前面还有", "1", "人", "预计等候", "约",
                                                          "5", "分钟"]
    expect(page.locator("#rating-text")).to_have_text("办结后可在此补充评价")
    expect(page.locator("#rate")).to_be_hidden()
    screenshot(page, "phone-waiting")

    # The window calls the one before: one fewer ahead, pushed (nothing on the page asked).
    step(rt, 2, "call_next")
    expect(page.locator("#detail")).to_have_text("下一位就是您，请留意叫号", timeout=PUSH_MS)
    assert polls == []  # the stream says it all while it is up
    # The link goes silent (a phone walking out of Wi-Fi): the page says so, dials again, and the
    # call made meanwhile shows once it gets through, without a reload.
    stream = "**/api/v1/stream/ticket/**"
    page.route(stream, lambda route: route.abort())
    page.clock.fast_forward(11_000)  # no word for longer than the page waits for one
    expect(page.locator("body")).to_have_attribute("data-stale", "true", timeout=PUSH_MS)
    expect(page.locator("#link")).to_have_text("连接中断，正在重连…")
    step(rt, 2, "start", "finish", "call_next")
    page.unroute(stream)
    expect(page.locator("#headline")).to_have_text("请到 2 号窗口", timeout=15_000)
    expect(page.locator("body")).to_have_attribute("data-stale", "false")
    polls.clear()  # each failed dial asked once whether the ticket is there at all (a 404 stops dialling)
    expect(page.locator("body")).to_have_attribute("data-state", "called")
    expect(page.locator("#detail")).to_have_text("正在叫号：2号窗口 综合受理")
    big = page.eval_on_selector("#headline", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert big >= 36  # prominent: the one thing to read from across the hall
    assert "叫号时间" in page.locator("#facts").inner_text()
    assert english_or_iso(page.inner_text("body")) == []
    screenshot(page, "phone-called")

    # Served: 补充评价 is offered; the levels are one choice, the reasons checkboxes apart from them.
    step(rt, 2, "start", "finish")
    expect(page.locator("#headline")).to_have_text("已办结", timeout=PUSH_MS)
    expect(page.locator("#rate")).to_be_visible()
    send = page.locator("#send")
    assert send.is_disabled()
    looks = page.eval_on_selector("#send", "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).cursor]")
    assert looks == ["rgb(213, 217, 222)", "not-allowed"], looks  # grey: it looks as disabled as it is
    expect(page.locator("#send-hint")).to_have_text("请先选择满意程度")
    screenshot(page, "phone-rating-offered")
    assert page.locator("#levels input[type=radio]").count() == 5
    assert page.locator("#levels input[type=checkbox]").count() == 0
    page.locator("#levels label", has_text="不满意").first.click()  # 不满意 (not 非常不满意)
    reasons = page.locator("#reasons")
    expect(reasons).to_be_visible()
    n = rt.read(lambda e: len(e.content["reasons"]))
    assert page.locator("#reason-list input[type=checkbox]").count() == n > 0
    assert "不满意的原因" in reasons.locator("legend").inner_text()
    assert not send.is_disabled()
    assert page.eval_on_selector("#send", "b => getComputedStyle(b).backgroundColor") == "rgb(17, 104, 58)"
    page.locator("#send").scroll_into_view_if_needed()
    screenshot(page, "phone-rating-form")  # the reasons of a 差评 and the key to send
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#levels label", has_text="非常满意").click()
    expect(reasons).to_be_hidden()
    send.click()
    expect(page.locator("#rating-text")).to_have_text("您已补充评价：非常满意。感谢您的评价！", timeout=PUSH_MS)
    expect(page.locator("#rate")).to_be_hidden()
    assert rt.read(lambda e: e.tickets[mine["id"]]["level"]) == 5
    # Never reloaded nor polled: the same page all along, no look-up by a timer, no meta refresh.
    assert loads == [] and polls == [] and page.evaluate("window.phoneBootId") == boot
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    script = page.evaluate("fetch('/kiosk/static/ticket.js').then((r) => r.text())")
    assert "location.reload" not in script and "/progress/" not in script.split("function dial")[0]

    page.reload()  # a done rating stays done
    expect(page.locator("#rating-text")).to_have_text("您已补充评价：非常满意。感谢您的评价！", timeout=PUSH_MS)
    expect(page.locator("#rate")).to_be_hidden()
    assert english_or_iso(page.inner_text("body")) == []
    screenshot(page, "phone-rated")


def test_a_service_rated_at_the_window_is_not_offered_again(gateway, page_at):
    url, rt, emu = gateway
    mine = kiosk_ticket(url)
    assert rt.submit({"type": "login", "at": mine["issued_at"] + 1, "window": 2, "staff_code": "1003"}).ok
    step(rt, 2, "call_next", "start", "finish", "request_evaluation")
    page = phone(page_at, url, mine["qr_url"])
    expect(page.locator("#rating-text")).to_have_text("请在 2 号窗口的评价器上评价")  # invited there: rate there
    expect(page.locator("#rate")).to_be_hidden()
    prompt = rt.read(lambda e: e.windows[2]["prompt"])
    step(rt, 2, "rate", prompt=prompt, level=4)
    expect(page.locator("#rating-text")).to_have_text("您已在 2 号窗口的评价器上评价：满意。感谢您的评价！",
                                                      timeout=PUSH_MS)
    expect(page.locator("#rate")).to_be_hidden()
    page.reload()
    expect(page.locator("#rating-text")).to_have_text("您已在 2 号窗口的评价器上评价：满意。感谢您的评价！")
    expect(page.locator("#rate")).to_be_hidden()
    # Without the code (someone who guessed the address): the progress, nothing of the rating.
    bare = page_at(390, 844)
    bare.goto(f"{url}/t/{mine['id']}")
    expect(bare.locator("#headline")).to_have_text("已办结", timeout=PUSH_MS)
    expect(bare.locator("#rating")).to_be_hidden()
    # A ticket that is not there says so, in Chinese, and stops dialling.
    gone = page_at(390, 844)
    gone.goto(f"{url}/t/2026-11-23-Z999")
    expect(gone.locator("#headline")).to_have_text("查不到这张号票", timeout=PUSH_MS)
