"""The hall's public faces end to end: a citizen takes a ticket on the kiosk page,
the emulated ESC/POS printer prints it, the clerk presses call on an emulated call
pad running the real firmware, and the hall screen shows the number."""
import time

import pytest

from hil.day.clock import day_start
from hil.hall.sim import SimHall
from hil.printer import PrinterEmulator
from tests.support import ROOT
from tests.support.browser_shots import screenshot


@pytest.fixture
def hall(tmp_path):
    with PrinterEmulator() as emu:
        port = emu.serve_tcp()
        text = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")
        assert 'printer = "network:127.0.0.1:9109"' in text
        config = tmp_path / "county.toml"
        config.write_text(text.replace('printer = "network:127.0.0.1:9109"', f'printer = "network:127.0.0.1:{port}"'),
                          encoding="utf-8")
        sim = SimHall(config, tmp_path / "hall", devices=["w01-pad", "w01-led"], without=("announcer", "upstream"))
        _, start = day_start(sim.hall, hour=10.0)
        sim.gateway.args += ["--clock-start", repr(start), "--clock-speed", "1", "--clock-real-start",
                             repr(time.time())]
        try:
            sim.start()
            yield sim, emu
        finally:
            sim.close()


def test_kiosk_ticket_printed_called_on_the_pad_and_shown_on_the_screen(hall, page_at):
    sim, emu = hall
    g, pad = sim.gateway, sim.board_of(1, "callpad")
    pad.type(sim.hall.staff_member(sim.hall.window(1).post_a).login_code)
    pad.press("ok")
    kiosk_key = (g.data_dir / "kiosk_token").read_text().strip()
    screen_key = (g.data_dir / "screen_token").read_text().strip()
    screen = page_at(1920, 1080)
    screen.goto(f"{g.url}/screen?key={screen_key}")
    kiosk = page_at(1080, 1920)
    kiosk.goto(f"{g.url}/kiosk?key={kiosk_key}")
    for text in ("县政务服务中心", "综合受理", "企业开办一件事", "普通"):
        kiosk.locator("#choices button", has_text=text).first.click()
    kiosk.locator("#result").wait_for(state="visible")
    assert kiosk.locator("#status").inner_text() == "请取票"
    number = kiosk.locator("#number").inner_text()
    assert number == "A001"
    slip = emu.printed[-1]
    assert slip.sized(4) == [number]
    assert len(slip.qr) == 1 and "/t/2" in slip.qr[0] and "?c=" in slip.qr[0]
    end = time.monotonic() + 20
    while time.monotonic() < end and next(w for w in g.get("/api/v1/windows") if w["number"] == 1)["status"] != "idle":
        time.sleep(0.1)  # the pad's login reaches the gateway
    pad.press("call")
    screen.wait_for_function(f"document.querySelector('#current-number').textContent.trim() === '{number}'",
                             timeout=15000)
    assert number in screen.locator(".recent-call .number").all_inner_texts()
    assert "1" in screen.locator("#current-window").inner_text()
    screenshot(screen, "screen-after-kiosk-call")
