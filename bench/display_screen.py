"""The hall screen for `hall-bench display`: one real headless Chromium on /screen?key=...,
with a MutationObserver that notes when each (number, window) first shows in the DOM
(the current call or the recent-calls list), in epoch ms on the machine's clock; and
light screens, raw streaming readers of the same SSE endpoint that read and discard,
so the gateway fans out to as many screens as a big hall has."""
from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
STREAM = "/api/v1/stream/screen"

# Installed once the page has loaded: the screen's elements exist by then. One timestamp per
# batch of mutations, taken when the observer runs (after screen.js has rendered the picture).
OBSERVE = """() => {
  window.__seen = {};
  var now = function () { return performance.timeOrigin + performance.now(); };
  function scan() {
    var t = now(), seen = window.__seen;
    function note(num, label) {
      var w = parseInt(label, 10), k = num + "@" + w;
      if (num && num !== "---" && w && !(k in seen)) seen[k] = t;
    }
    note(document.getElementById("current-number").textContent.trim(),
         document.getElementById("current-window").textContent);
    document.querySelectorAll("#recent-list .recent-call").forEach(function (tr) {
      note(tr.querySelector(".number").textContent.trim(), tr.querySelector(".window").textContent);
    });
  }
  var opts = {subtree: true, childList: true, characterData: true};
  new MutationObserver(scan).observe(document.getElementById("current-call"), opts);
  new MutationObserver(scan).observe(document.getElementById("recent-list"), opts);
  scan();
}"""


def screen_key(data_dir: Path) -> str:
    return os.environ.get("HALL_SCREEN_TOKEN") or (Path(data_dir) / "screen_token").read_text().strip()


class ScreenPage:
    """One Chromium page on the hall screen. Playwright's sync API: use it from one thread."""

    def __init__(self, url: str, key: str):
        from playwright.sync_api import sync_playwright

        os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        self.pw = sync_playwright().start()
        try:
            self.browser = self.pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            ctx = self.browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            self.page = ctx.new_page()
            self.page.goto(f"{url}/screen?key={key}")
            # The snapshot has come: the stream is up.
            self.page.wait_for_function("() => window.screenSeq !== undefined", timeout=15000)
            self.page.evaluate(OBSERVE)
        except BaseException:
            self.close()
            raise

    def seen_ms(self, number: str, window: int, deadline: float) -> float | None:
        """Epoch ms at which the call first showed on the page, waiting until `deadline`
        (time.monotonic()); the time is the observer's, so this polling adds nothing to it."""
        k = f"{number}@{window}"
        while True:
            t = self.page.evaluate("k => window.__seen[k] === undefined ? null : window.__seen[k]", k)
            if t is not None or time.monotonic() > deadline:
                return t
            time.sleep(0.02)

    def connected(self) -> bool:
        try:
            return self.page.evaluate("() => document.body.getAttribute('data-stale')") == "false"
        except Exception:
            return False

    def close(self) -> None:
        try:
            if getattr(self, "browser", None):
                self.browser.close()
        finally:
            self.pw.stop()


class LightScreens:
    """n raw SSE readers on one asyncio thread. A reader whose stream ends (the gateway drops
    a screen too slow to keep up, or an error) counts as dropped and dials again, as
    EventSource would; stayed() is how many have kept their first stream the whole time."""

    def __init__(self, port: int, key: str, n: int):
        self.port, self.key, self.n = port, key, n
        self.up = [False] * n
        self.drops = [0] * n
        self.events = [0] * n
        self.bytes = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._tasks: list = []

    def start(self, timeout: float = 30.0) -> LightScreens:
        self._thread.start()
        for i in range(self.n):
            self._tasks.append(asyncio.run_coroutine_threadsafe(self._reader(i), self._loop))
        end = time.monotonic() + timeout
        while time.monotonic() < end and not all(self.up):
            time.sleep(0.05)
        return self

    async def _reader(self, i: int) -> None:
        req = (f"GET {STREAM}?key={self.key} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
               "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()
        first = True
        while True:
            w = None
            try:
                r, w = await asyncio.open_connection("127.0.0.1", self.port)
                w.write(req)
                await w.drain()
                head = await r.readuntil(b"\r\n\r\n")
                if b" 200 " not in head.split(b"\r\n", 1)[0]:
                    raise ConnectionError(head[:60])
                while True:
                    chunk = await r.read(65536)
                    if not chunk:
                        break
                    self.bytes += len(chunk)
                    k = chunk.count(b"event: snapshot")
                    if k:
                        self.up[i] = True
                    self.events[i] += k + chunk.count(b"event: update")
            except asyncio.CancelledError:
                raise
            except Exception:
                pass
            finally:
                if w is not None:
                    w.close()
            if self.up[i] or not first:
                self.drops[i] += 1
            first = False
            self.up[i] = False
            await asyncio.sleep(1.0)

    def stayed(self) -> int:
        return sum(1 for up, d in zip(self.up, self.drops, strict=True) if up and d == 0)

    def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        time.sleep(0.1)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def serve(port: int, key: str, n: int, ready, stop, q) -> None:
    """LightScreens in a process of its own (no GIL shared with the measuring): sets `ready`
    once all are up (or 30 s have passed), puts (stayed, drops, events read) on q at `stop`."""
    s = LightScreens(port, key, n).start()
    ready.set()
    stop.wait()
    q.put((s.stayed(), sum(s.drops), sum(s.events)))
    s.close()


class ScreensProcess:
    def __init__(self, port: int, key: str, n: int):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.ready, self.stop, self.q = ctx.Event(), ctx.Event(), ctx.Queue()
        self.proc = ctx.Process(target=serve, args=(port, key, n, self.ready, self.stop, self.q), daemon=True)
        self.stayed = self.drops = self.events = 0
        self.done = False

    def start(self) -> ScreensProcess:
        self.proc.start()
        self.ready.wait(60)
        return self

    def result(self) -> tuple[int, int, int]:
        """(stayed, drops, events), stopping the readers."""
        if not self.done:
            self.done = True
            self.stop.set()
            try:
                self.stayed, self.drops, self.events = self.q.get(timeout=15)
            except Exception:
                pass
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()
        return self.stayed, self.drops, self.events

    def close(self) -> None:
        self.result()
