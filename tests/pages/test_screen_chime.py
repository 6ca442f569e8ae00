"""The hall screen's optional chime (village.toml: [screen] chime = true) in a real browser:
two tones for a new call, none for a recall, none for a call the page learns of late (a
reconnect), so the chime never lands on the spoken broadcast. Web Audio is counted by a stub
put in before the page's script runs."""
import time

import pytest
from playwright.sync_api import expect

from gateway.config import load_file
from hil.day.clock import day_start
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.pages.test_screen import PUSH_S, ROOT, WITHOUT, act, issue

CONFIG = ROOT / "hall_config" / "village.toml"
GAP_S = 3.2  # screen.js CHIME_GAP_MS is 3000

# Each oscillator started is one tone; the page makes two per chime.
COUNT_TONES = """
window.__tones = 0;
class FakeAudio {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() { return {frequency: {}, connect() {}, start() { window.__tones++; }, stop() {}}; }
  createGain() { return {gain: {setValueAtTime() {}, exponentialRampToValueAtTime() {}}, connect() {}}; }
}
window.AudioContext = FakeAudio;
"""


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    _, start = day_start(load_file(CONFIG), 10)
    gw = Gateway(CONFIG, tmp_path_factory.mktemp("chime"), free_port(), free_port(),
                 clock=(start, 1.0, time.time()), without=WITHOUT).start()
    gw.screen_key = (gw.data_dir / "screen_token").read_text().strip()
    gw.clerk = (gw.data_dir / "api_token").read_text().strip()
    yield gw
    gw.stop()


def tones(page) -> int:
    return page.evaluate("window.__tones")


def test_a_new_call_chimes_a_recall_and_a_late_push_do_not(village, page_at):
    page = page_at(1280, 720)
    page.add_init_script(COUNT_TONES)
    page.goto(f"{village.url}/screen?key={village.screen_key}")
    expect(page.locator("body")).to_have_attribute("data-stale", "false", timeout=PUSH_S)
    staff = load_file(CONFIG).staff
    act(village, 1, action="login", staff_code=staff[0].login_code)
    act(village, 2, action="login", staff_code=staff[1].login_code)
    first, second = issue(village), issue(village)
    act(village, 1, action="call_next")
    expect(page.locator("#current-number")).to_have_text(first, timeout=PUSH_S)
    page.wait_for_function("window.__tones === 2", timeout=PUSH_S)
    time.sleep(GAP_S)  # past the page's 3 s between chimes, so only the recall rule holds it back
    act(village, 1, action="recall")
    expect(page.locator("#current-recall")).to_be_visible(timeout=PUSH_S)
    assert tones(page) == 2  # a recall: shown again, not chimed again
    act(village, 2, action="call_next")
    expect(page.locator("#current-number")).to_have_text(second, timeout=PUSH_S)
    page.wait_for_function("window.__tones === 4", timeout=PUSH_S)
    # A page opened after the call learns of it from its snapshot: no chime for an old call.
    late = page_at(1280, 720)
    late.add_init_script(COUNT_TONES)
    late.goto(f"{village.url}/screen?key={village.screen_key}")
    expect(late.locator("#current-number")).to_have_text(second, timeout=PUSH_S)
    assert tones(late) == 0
