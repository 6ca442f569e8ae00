"""What `make run` gives a newcomer (hall-hil run): the landing page at / opens every page of the
hall with its key applied (Debian's chromium clicks each link: no 401, Chinese on the page);
/hall is a grid of windows in Chinese that shows no login code and no firmware key name; the
kiosk's printer is the emulated one, so a ticket prints; the tokens' real paths are printed at
start. A plain `hallgw run` has no landing page: its / is the gateway's own Chinese start page.
A device in Wi-Fi power save (a battery evaluator) is warned of on the devices page and the dashboard.

The hall is the village station with its kiosk pointed at a printer on this machine (as the
county example is, whose 69 boards take a minute to boot)."""
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gateway.config import load_file
from hil.board.keys import KEY_LABELS, LONG_PRESSES, key_names
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.support import ROOT
from tests.support.browser_shots import screenshot
from tests.support.words import configured_words, english_or_iso

TOKEN_FILES = ("api_token", "supervisor_token", "kiosk_token", "screen_token")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Run:
    base: str
    folder: Path
    data: Path          # the gateway's data dir
    hall_file: Path
    proc: subprocess.Popen
    out: list[str] = field(default_factory=list)   # hall-hil's console, as it comes

    def said(self, text: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.out):
                if text in line:
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"hall-hil never said {text!r}:\n" + "".join(self.out))

    def token(self, name: str) -> str:
        return (self.data / name).read_text().strip()


def village_with_printer(folder: Path) -> Path:
    text = (ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")
    assert 'printer = "none"' in text
    f = folder / "village.toml"
    text = text.replace('printer = "none"', f'printer = "network:127.0.0.1:{free_port()}"\n'
                        'public_base_url = "http://127.0.0.1:8080"')
    # window 1's evaluator on a battery: its firmware keeps Wi-Fi power save
    battery = 'id = "s1-eval"\nrole = "evaluator"\nwindow = 1\n'
    assert battery in text
    text = text.replace(battery, battery + "wifi_power_save = true\n")
    f.write_text(text, encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("make-run")
    hall_file = village_with_printer(folder)
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "hil.cli", "run", "--config", hall_file.name, "--http-port", str(port),
                          "--broker-port", str(free_port()), "--workdir", "data/village"], cwd=folder,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    r = Run(f"http://127.0.0.1:{port}", folder, folder / "data" / "village" / "gateway", hall_file, p)
    reader = threading.Thread(target=lambda: r.out.extend(p.stdout), daemon=True)
    reader.start()
    try:
        r.said("Ctrl-C stops the hall", timeout=180)
        yield r
    finally:
        p.terminate()
        p.wait(timeout=60)
        reader.join(timeout=10)
    assert any("hall-hil: stopped" in line for line in r.out)


def get(url: str, token: str | None = None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.geturl(), resp.read().decode()


def codes_in(text: str, codes: list[str]) -> list[str]:
    return [c for c in codes if re.search(rf"(?<!\d){re.escape(c)}(?!\d)", text)]


def test_start_prints_the_landing_page_and_the_tokens_real_paths(run):
    assert f"{run.base}/ " in run.said("hall-hil: 首页")
    for name, file in zip(("窗口接口令牌", "监管口令", "取号机口令", "显示屏口令"), TOKEN_FILES, strict=True):
        line = run.said(f"口令文件 {name}")
        where = line.rsplit(": ", 1)[1].strip()
        assert where == f"data/village/gateway/{file}"
        assert (run.folder / where).is_file()  # the path is where the gateway made it
    assert run.said("模拟打印机 network:127.0.0.1:")
    secrets = [run.token(f) for f in TOKEN_FILES]
    assert not [s for s in secrets if s in "".join(run.out)]  # paths, never the tokens


def test_the_landing_page_holds_no_secret(run):
    status, url, page = get(run.base + "/")
    assert status == 200 and url == run.base + "/"
    for href in ("/hall/open/screen", "/hall/open/kiosk", "/hall/open/clerk", "/hall/open/dashboard", "/hall"):
        assert f'href="{href}"' in page
    assert not [f for f in TOKEN_FILES if run.token(f) in page]
    codes = [s.login_code for s in load_file(run.hall_file).staff if s.login_code]
    assert codes and codes_in(page, codes) == []
    assert f"staff code --config {run.hall_file.resolve()}" in page  # where the codes are instead


# What each page shows once it works with its credential (a 401 shows none of it).
WORKING = {
    "大厅显示屏": "body[data-stale='false']",
    "取号机": "#choices button",
    "窗口控制台": "#login-window:has(option)",
    "监管看板": "#hall-name:has-text('某某村便民服务站')",
    "模拟设备": "#link:has-text('已连接')",
}


def test_every_link_opens_its_page_working(run, page_at):
    for title, working in WORKING.items():
        page = page_at(1920, 1080)
        statuses: list[tuple[int, str]] = []
        page.on("response", lambda r, s=statuses: s.append((r.status, r.url)))
        page.goto(run.base + "/")
        if title == "大厅显示屏":
            screenshot(page, "landing")
        with page.expect_navigation():
            page.locator("a.card", has_text=title).click()
        page.locator(working).first.wait_for(timeout=20000)
        assert [s for s in statuses if s[0] == 401] == [], title
        assert "key=" not in page.url or title == "大厅显示屏"  # the kiosk and dashboard keep it in a cookie
        text = page.locator("body").inner_text()
        assert CJK.search(text), title
        assert english_or_iso(text, configured_words(load_file(run.hall_file))) == [], title
        if title == "窗口控制台":
            assert page.locator("#token-row").is_hidden()  # the browser is enrolled: only the login code is asked
        page.context.close()


def visible_text_without_screens(page) -> str:
    """The page's text, less the devices' screens read back (those are the firmware's words)."""
    return page.evaluate("""() => { const b = document.body.cloneNode(true);
        b.querySelectorAll('[data-text], script').forEach(e => e.remove()); return b.innerText; }""")


def test_devices_page_is_a_grid_of_windows_in_chinese(run, page_at):
    page = page_at(1920, 1080)
    page.goto(run.base + "/hall")
    page.locator("#link", has_text="已连接").wait_for()
    # Every firmware key as a button with its cap's Chinese label; no key's code name anywhere.
    hall = load_file(run.hall_file)
    long = dict(LONG_PRESSES)
    for d in hall.devices:
        for key in key_names(d.role):
            b = page.locator(f'button[data-dev="{d.id}"][data-key="{key}"]:not([data-long])')
            assert b.inner_text().strip() == KEY_LABELS[d.role][key]
        if d.role == "callpad":
            for key, label in long.items():
                assert page.locator(f'button[data-dev="{d.id}"][data-key="{key}"][data-long]').inner_text() == label
    text = visible_text_without_screens(page)
    names = {k for role in ("callpad", "evaluator") for k in key_names(role) if not k.isdigit()}
    assert [n for n in names if re.search(rf"\b{n}\b", text, re.I)] == []
    assert not re.search(r"\b(callpad|evaluator|display|ticket|kiosk|long)\b", text, re.I)
    assert english_or_iso(text, configured_words(hall)) == []
    # No login code on the page, in its text or its source.
    codes = [s.login_code for s in hall.staff if s.login_code]
    assert codes_in(text, codes) == [] and codes_in(page.content(), codes) == []
    # A window's call pad, evaluator and LED display side by side.
    boxes = [page.locator(f'canvas[data-dev="{d}"]').bounding_box() for d in ("s1-pad", "s1-eval", "s1-led")]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 2
    # The pad's keys on the page log the clerk in; its screen, pushed, reads the clerk's name.
    for key in ("2", "0", "0", "1", "ok"):
        page.locator(f'button[data-dev="s1-pad"][data-key="{key}"]:not([data-long])').click()
    page.locator('[data-text="s1-pad"]', has_text="王秀英").wait_for(state="attached", timeout=20000)
    status, _, windows = get(run.base + "/api/v1/windows")
    assert json.loads(windows)[0]["staff"] == "v01"
    screenshot(page, "devices")


def test_a_ticket_from_the_kiosk_prints_on_the_emulated_printer(run, page_at):
    page = page_at(1920, 1080)
    page.goto(run.base + "/hall")
    page.locator("#link", has_text="已连接").wait_for()
    req = urllib.request.Request(run.base + "/api/v1/kiosk/tickets",
                                 json.dumps({"service": "ZX", "matter": "330681-CZ-009"}).encode(),
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {run.token('kiosk_token')}"})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            answer = json.loads(resp.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(e.read().decode()) from None
    number = answer["ticket"]["number"]
    assert answer["printed"] is True and answer["printer"]["state"] == "ok"
    run.said(f"  | {number}")                            # the slip on hall-hil's console
    page.locator("#slip", has_text=number).wait_for()  # and on the devices page, pushed


POWER_SAVE = "省电模式：消息最多延迟约300毫秒"


def test_a_device_in_power_save_is_warned_of_on_the_devices_page_and_the_dashboard(run, page_at):
    page = page_at(1920, 1080)
    page.goto(run.base + "/hall")
    page.locator("#link", has_text="已连接").wait_for()
    # What the battery evaluator's firmware set, as the emulated access point saw it, pushed.
    warn = page.locator('[data-pm="s1-eval"]')
    warn.wait_for(state="visible", timeout=20000)
    assert warn.inner_text() == POWER_SAVE
    for dev in ("s1-pad", "s1-led", "s2-pad", "s2-eval"):
        assert page.locator(f'[data-pm="{dev}"]').is_hidden(), dev   # mains-powered: awake
    screenshot(page, "devices-power-save")
    # The dashboard's device list: from the mode the firmware reports in its state.
    page.goto(run.base + "/")
    with page.expect_navigation():
        page.locator("a.card", has_text="监管看板").click()
    item = page.locator('#devices li[data-device="s1-eval"]')
    item.locator(".warn").wait_for(timeout=20000)
    assert item.locator(".warn").inner_text() == POWER_SAVE
    assert item.locator(".warn").get_attribute("data-pm") == "performance"
    page.locator("#dev-summary", has_text="1台省电模式").wait_for(timeout=20000)
    for dev in ("s1-pad", "s1-led"):
        li = page.locator(f'#devices li[data-device="{dev}"]')
        li.locator("text=在线").first.wait_for(timeout=20000)
        assert li.locator(".warn").count() == 0, dev
    page.locator("#devices").scroll_into_view_if_needed()
    screenshot(page, "dashboard-power-save")


def test_a_plain_gateway_has_no_landing_page(tmp_path):
    g = Gateway(ROOT / "hall_config" / "village.toml", tmp_path / "gw", free_port(), free_port()).start()
    try:
        status, url, page = get(g.url + "/")
        assert status == 200 and url == g.url + "/"   # not sent on to the English API docs
        assert "某某村便民服务站" in page and "取号机" in page and "窗口控制台" in page
        assert "/hall/open" not in page and "/docs" in page
        assert not [f for f in TOKEN_FILES if (tmp_path / "gw" / f).read_text().strip() in page]
        with pytest.raises(urllib.error.HTTPError) as e:
            get(g.url + "/hall")
        assert e.value.code == 404
    finally:
        g.stop()
    log = (tmp_path / "gw" / "gateway.log").read_text()
    assert f"token of the hall screen (电子显示屏, /screen?key=): {tmp_path / 'gw' / 'screen_token'}" in log
