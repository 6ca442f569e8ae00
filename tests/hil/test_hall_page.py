"""`hall-hil run` on the village hall: the page served by the gateway shows the
boards and presses their keys, and a ticket taken at the kiosk gets called from
the page's call pad and lands on the emulated LED display."""
import io
import json
import os
import subprocess
import sys
import time
import urllib.request

from PIL import Image

from hil.board.board import read_screen
from hil.hall.bridge import OLED_ON
from hil.services.mosquitto import free_port
from tests.support import ROOT


def screen_lines(png: bytes, chars: str = "", scale: int = 3) -> list[str]:
    """A 128x64 screen picture read back as its four text lines, as
    Board.screen_text reads the controller's RAM."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    gram = bytearray(1024)
    for y in range(64):
        for x in range(128):
            if img.getpixel((x * scale, y * scale)) == OLED_ON:
                gram[(y >> 3) * 128 + x] |= 1 << (y & 7)
    return read_screen(bytes(gram), chars)


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read()


def post(url, body):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def wait(pred, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = pred()
            if v:
                return v
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_page_shows_boards_and_drives_a_call(tmp_path):
    port = free_port()
    # Relative paths from another folder, as `make run` gives them (data/<hall>):
    # the boards and the gateway run in folders of their own.
    config = os.path.relpath(ROOT / "hall_config" / "village.toml", tmp_path)
    p = subprocess.Popen([sys.executable, "-m", "hil.cli", "run", "--config", config,
                          "--http-port", str(port), "--broker-port", str(free_port()), "--seconds", "120",
                          "--workdir", "data/village"], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        seen = []
        for line in p.stdout:   # pytest's timeout bounds a board that hangs
            seen.append(line)
            if "hall page" in line:
                break
        else:
            raise AssertionError("hall-hil run ended before serving its page:\n" + "".join(seen))
        assert f"{base}/hall" in line
        status, ctype, page = get(f"{base}/hall")
        assert status == 200 and "text/html" in ctype
        for dev in ("s1-pad", "s1-eval", "s1-led", "s2-pad", "s2-eval"):
            assert f'data-dev="{dev}"' in page.decode()
        status, ctype, png = get(f"{base}/hall/bridge/img/s1-led.png")
        assert ctype == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"
        for k in "2001":
            post(f"{base}/hall/bridge/press", {"device": "s1-pad", "key": k})
        post(f"{base}/hall/bridge/press", {"device": "s1-pad", "key": "ok"})
        wait(lambda: json.loads(get(f"{base}/api/v1/windows")[2])[0]["staff"] == "v01")
        t = post(f"{base}/hall/ticket", {"service": "ZH", "lane": "normal"})  # as the page's kiosk form does
        post(f"{base}/hall/bridge/press", {"device": "s1-pad", "key": "call"})
        wait(lambda: json.loads(get(f"{base}/api/v1/windows")[2])[0]["ticket_number"] == t["number"])
        # The page's picture of the pad's screen, read back as text, shows the
        # call, and the clerk's name in Chinese from the gateway's glyphs.
        name = "王秀英"           # v01 in village.toml
        lines = wait(lambda: (ln := screen_lines(get(f"{base}/hall/bridge/img/s1-pad.png")[2], name))
                     and ln[2] == f"{t['number']} 叫号中" and ln)
        assert lines[1] == f"{name} A岗"
    finally:
        p.terminate()
        out = p.communicate(timeout=60)[0]
    assert "hall-hil: stopped" in out
