"""The control bridge: a small HTTP server in the hall simulator's process that
lets the devices page (served by the gateway, hil/hall/web.py) see and press the
emulated boards. GET /img/<device>.png, POST /press {device, key, long}, and
GET /events: the boards' faces and the printer's slips pushed as Server-Sent
Events (hil/hall/feed.py), a beat every BEAT seconds. Its port (and the emulated
printer's address, if any) goes into <gateway data dir>/hil_bridge.json for the
page to find."""
from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

from hil.board import Board
from hil.hall.feed import Feed

BRIDGE_FILE = "hil_bridge.json"
BEAT = 2.0
LED_ON, LED_OFF = (255, 60, 30), (40, 10, 10)
OLED_ON, OLED_OFF = (120, 200, 255), (0, 0, 0)


def picture(board: Board, scale: int | None = None) -> bytes:
    """The board's visible face as a PNG, each pixel scale x scale: the LED panel
    (6 by default), or the call pad's / evaluator's screen (3)."""
    if board.role == "display":
        rows, on, off, scale = board.display_pixels(), LED_ON, LED_OFF, scale or 6
    else:
        rows, on, off, scale = board.screen_pixels(), OLED_ON, OLED_OFF, scale or 3
    h, w = len(rows), len(rows[0]) if rows else 0
    img = Image.new("RGB", (w, h))
    img.putdata([on if v else off for row in rows for v in row])
    img = img.resize((w * scale, h * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def sse(kind: str, data: dict) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class Bridge:
    def __init__(self, boards: dict[str, Board], feed: Feed | None = None, printer: str | None = None):
        self.boards = boards
        self.feed = feed or Feed(boards)
        self.printer = printer   # the emulated printer's address, for the landing page to name
        bridge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):   # quiet: the page polls twice a second
                pass

            def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/events":
                    return self._events()
                name = self.path.removeprefix("/img/").removesuffix(".png")
                b = bridge.boards.get(name)
                if not self.path.startswith("/img/") or b is None:
                    return self._send(404, b'{"detail": "no such board"}')
                self._send(200, picture(b), "image/png")

            def _events(self):
                """Every face and the kept slips at once, then what changes, until the page or
                the bridge goes away."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                feed, seen = bridge.feed, 0
                try:
                    self.wfile.write(b"retry: 1000\n\n")
                    while not feed.stopped:
                        seen, faces, slips = feed.since(seen, BEAT)
                        out = b"".join([sse("face", f) for f in faces] + [sse("slip", s) for s in slips])
                        self.wfile.write(out or sse("beat", {"v": seen}))
                        self.wfile.flush()
                except OSError:   # the page (or the gateway's relay) went away
                    return

            def do_POST(self):
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                    b = bridge.boards[body["device"]]
                    b.press(body["key"], bool(body.get("long")))
                except Exception as e:   # a rebooting board, an unknown key: say so to the page
                    return self._send(409, json.dumps({"detail": str(e)}).encode())
                self._send(200, b'{"ok": true}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="hil-bridge")

    def start(self, data_dir: Path) -> Bridge:
        self.feed.start()
        self._thread.start()
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        (Path(data_dir) / BRIDGE_FILE).write_text(json.dumps({"port": self.port, "printer": self.printer}))
        return self

    def stop(self) -> None:
        self.feed.stop()   # the open streams end at their next wake
        self.server.shutdown()
        self.server.server_close()
