"""The printing race as the people meet it (issue 26, point 9), in Debian's chromium: a citizen
takes a number at the kiosk page while the printer is slow (the emulated printer holds the
slip), the clerk at window 2 calls from the console meanwhile and gets the next number, then is
told the kiosk's number is still printing; the slip fails: the kiosk tells the citizen kindly
that the number is void, and nobody is ever called for it."""
import threading

import httpx
import pytest
from playwright.sync_api import expect

from gateway.api import create_app
from gateway.extensions import clerk_console
from gateway.extensions import kiosk as kiosk_ext
from gateway.extensions.ports import PUSH_HUB
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from gateway.store import LogReader
from hil.printer import PrinterEmulator
from tests.kiosk.halls import county
from tests.support.browser_shots import screenshot
from tests.support.context import context
from tests.support.hallday import MONDAY_9, StepClock
from tests.support.http_server import serving
from tests.support.words import english_or_iso

CLERK, KIOSK = "clerk-page-token", "kiosk-page-token"
WAIT_S = 30  # a guard against a hang, not a measure
PUSH_MS = 5_000


@pytest.fixture
def hall(tmp_path):
    with PrinterEmulator() as emu:
        rt = Runtime(county(emu.serve_tcp()), tmp_path)
        lock, steps = threading.Lock(), StepClock(MONDAY_9, step=1.0)

        def clock():
            with lock:
                return steps()
        app = create_app(rt, CLERK, clock=clock, kiosk_token=KIOSK)
        hub = PushHub(rt)
        tokens = {"kiosk": KIOSK, "clerk": CLERK}
        kiosk = kiosk_ext.create(context(rt, tmp_path, app=app, clock=clock, printer_poll_seconds=0, tokens=tokens,
                                         ports={PUSH_HUB: hub}))
        console = clerk_console.create(context(rt, tmp_path, app=app, clock=clock, tokens=tokens,
                                               ports={PUSH_HUB: hub}))
        kiosk.start()
        console.start()
        with serving(app) as url:
            yield url, rt, emu
        console.stop()
        kiosk.stop()
        rt.close()


def touch_for_a_number(page):
    for label in ("县人力社保局", "社会保险", "社会保障卡申领", "普通"):
        page.locator("#choices button", has_text=label).click()


def test_a_call_during_a_slow_print_that_fails(hall, page_at):
    url, rt, emu = hall
    clerk = page_at(1366, 768)
    clerk.goto(f"{url}/clerk")
    clerk.select_option("#login-window", "2")
    clerk.fill("#login-code", "1003")
    clerk.fill("#login-token", CLERK)
    clerk.click("#login-btn")
    expect(clerk.locator("#link")).to_have_text("已连接", timeout=PUSH_MS)

    kiosk = page_at(1920, 1080)
    kiosk.goto(f"{url}/kiosk?key={KIOSK}")
    emu.run_out_after(40)  # the roll ends in the middle of the next slip
    hold = emu.hold_next_slip()  # and it prints slowly
    touch_for_a_number(kiosk)
    assert hold.arrived.wait(WAIT_S), "the slip never reached the printer"
    expect(kiosk.locator("#hint")).to_have_text("正在取号，请稍候……")
    # Meanwhile a clerk takes a number at the desk for a citizen, and window 2 calls.
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {CLERK}"}) as api:
        desk = api.post("/api/v1/tickets", json={"service": "SB", "matter": "330681-SB-002"}).json()["number"]
    assert desk == "B002"  # the kiosk's B001 is printing
    expect(clerk.locator("#waiting")).to_have_text("2", timeout=PUSH_MS)  # both wait in the hall
    clerk.click("[data-action=call_next]")
    expect(clerk.locator("#message")).to_have_text("已叫号 B002")
    clerk.click("[data-action=start]")
    expect(clerk.locator("#status")).to_have_text("办理中")
    clerk.click("#finish-buttons button:has-text('即办件')")
    expect(clerk.locator("#status")).to_have_text("空闲")
    clerk.click("[data-action=call_next]")
    expect(clerk.locator("#message")).to_have_text("未执行：暂时没有可叫的号：B001号正在叫号机出票，请稍候再叫")
    assert english_or_iso(clerk.inner_text("body")) == []
    screenshot(clerk, "clerk-console-slip-printing")

    hold.release()  # the slip comes out torn: no paper
    expect(kiosk.locator("#status")).to_have_text("号票没能打印", timeout=WAIT_S * 1000)
    expect(kiosk.locator("#number")).to_have_text("B001")
    expect(kiosk.locator("#reason")).to_have_text(
        "抱歉，打印机缺纸，号票没能打印出来，此号已作废，不会叫到此号，请点“重新取号”")
    assert english_or_iso(kiosk.inner_text("body")) == []
    screenshot(kiosk, "kiosk-slip-failed-during-a-call")
    expect(clerk.locator("#waiting")).to_have_text("0", timeout=PUSH_MS)  # the void number left the line
    clerk.click("[data-action=call_next]")
    expect(clerk.locator("#message")).to_have_text("未执行：没有等候2号窗口的号")
    with LogReader.open(rt.store.path) as log:
        calls = [e["number"] for r in log.records_after(0) for e in r["outcome"]["events"]
                 if e["type"] == "ticket_called"]
    assert calls == ["B002"]  # nobody was called for B001
    assert rt.read(lambda e: e.tickets[f"{e.day}-B001"]["outcome"]) == "voided"
    clerk.context.close()  # its event stream, before the server stops
