"""The kiosk page in Debian's chromium against a gateway (API + kiosk extension, uvicorn in a
thread) whose printer is the emulated one: a ticket taken by touch is printed and the page shows
the same number; with the paper out the page says so and shows the number on screen."""
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from browser_shots import screenshot
from gateway.api import create_app
from gateway.config import load_text
from gateway.extensions import kiosk as kiosk_ext
from gateway.runtime import Runtime
from hil.printer import PrinterEmulator

ROOT = Path(__file__).resolve().parents[2]

KIOSK = "kiosk-page-token"
MONDAY_9 = 1795395600.0  # 2026-11-23 09:00 in Shanghai: the hall is open


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gateway(tmp_path):
    with PrinterEmulator() as emu:
        text = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8").replace(
            'printer = "network:127.0.0.1:9109"', f'printer = "network:127.0.0.1:{emu.serve_tcp()}"')
        rt = Runtime(load_text(text, "county.toml"), tmp_path)
        start = time.time()
        clock = lambda: MONDAY_9 + (time.time() - start)  # noqa: E731
        app = create_app(rt, "clerk-token", clock=clock, supervisor_token="supervisor-token")
        ext = kiosk_ext.create(rt, {"app": app, "clock": clock, "kiosk_token": KIOSK, "data_dir": str(tmp_path),
                                    "supervisor_token": "supervisor-token", "printer_poll_seconds": 0})
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
    screenshot(page, "kiosk-paper-out")
    # the paper runs out in the middle of the next slip: voided, the page offers to take another
    emu.set_state("ok")
    emu.run_out_after(40)
    page.locator("#home").click()
    take_by_touch(page)
    assert page.locator("#status").inner_text() == "打印失败"
    assert "作废" in page.locator("#reason").inner_text()
    void = page.locator("#number").inner_text()
    assert rt.read(lambda e: e.tickets[f"{e.day}-{void}"]["outcome"]) == "voided"
    page.locator("#retry").click()
    page.wait_for_function("document.querySelector('#status').textContent === '请记住您的号码'")
    assert page.locator("#number").inner_text() == "B003"


def test_the_qr_page_shows_progress_and_rates_the_service(gateway, page_at):
    url, rt, emu = gateway
    page = page_at(390, 844)  # a phone
    page.goto(f"{url}/kiosk?key={KIOSK}")
    take_by_touch(page)
    qr = emu.printed[-1].qr[0].replace("http://127.0.0.1:8080", url)
    tid = rt.read(lambda e: e.by_number["B001"])
    at = rt.read(lambda e: e.tickets[tid]["issued_at"])
    assert rt.submit({"type": "login", "at": at + 1, "window": 2, "staff_code": "1003"}).ok
    page.goto(qr)
    page.wait_for_function("document.querySelector('#state').textContent.startsWith('等候中')")
    assert page.locator("#number").inner_text() == "B001" and page.locator("#rate").is_hidden()
    for step in ("call_next", "start", "finish"):
        out = rt.submit({"type": step, "at": at + 2, "window": 2})
        assert out.ok, out.refusal
    page.reload()
    page.wait_for_function("document.querySelector('#state').textContent === '已办结，欢迎补充评价'")
    page.locator("#levels button", has_text="非常满意").click()
    page.locator("#send").click()
    page.wait_for_function("document.querySelector('#msg').textContent === '感谢您的评价！'")
    assert rt.read(lambda e: e.tickets[tid]["level"]) == 5
