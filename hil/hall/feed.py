"""What the devices page shows, pushed: each emulated board's face (its screen or LED panel as
bits, the screen read back as text, its LEDs) and each slip the emulated printer prints.

A watcher looks at the boards' controller RAM a few times a second and versions every face
that changed; a page's stream asks for everything newer than what it last sent. The emulated
chips change in the boards' reader threads, so looking is cheap (bytes compared); a face is
built only when its bytes changed, and a scrolling LED panel is sent at most PERIOD apart."""
from __future__ import annotations

import base64
import threading

from PIL import Image

from hil.board import Board

PERIOD = 0.2     # seconds between looks: at most 5 pictures a second of a scrolling panel
SLIPS_KEPT = 5


def signature(board: Board) -> bytes:
    """The bytes that decide what the board shows: equal bytes, same face."""
    levels = bytes(v for _, v in sorted(board.leds().items())) + bytes((board.radio.pm,))
    if board.role == "display":
        return board.display_raw() + levels
    o = board.oled
    return bytes(o.gram) + bytes((o.on, o.inv)) + levels


def packed(rows: list[list[int]]) -> str:
    """Rows of bits as base64, each row MSB first and padded to whole bytes (PIL's mode "1")."""
    h, w = len(rows), len(rows[0]) if rows else 0
    img = Image.new("1", (w, h))
    img.putdata([255 if v else 0 for row in rows for v in row])
    return base64.b64encode(img.tobytes()).decode()


def face(dev: str, board: Board, chars: str) -> dict:
    if board.role == "display":
        rows = board.display_pixels()
        text: list[str] = []
    else:
        rows = board.screen_pixels()
        text = [ln for ln in board.screen_text(chars) if ln]
    return {"dev": dev, "kind": "led" if board.role == "display" else "oled", "w": len(rows[0]) if rows else 0,
            "h": len(rows), "bits": packed(rows), "text": text, "leds": board.leds(),
            "pm": board.radio.pm_name}   # the station's power save, as its firmware set it


def slip(ticket) -> dict:
    return {"text": ticket.text, "qr": list(ticket.qr), "torn": ticket.torn, "images": len(ticket.images)}


class Feed:
    def __init__(self, boards: dict[str, Board], chars: str = ""):
        self.boards, self.chars = boards, chars
        self.cond = threading.Condition()
        self.version = 0
        self.faces: dict[str, tuple[int, dict]] = {}
        self.slips: list[tuple[int, dict]] = []
        self._sigs: dict[str, bytes] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="hil-feed")

    def start(self) -> Feed:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self.cond:
            self.cond.notify_all()
        self._thread.join(timeout=5)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def look(self) -> None:
        """One look at every board: a new version for each face that changed."""
        for dev, board in self.boards.items():
            try:
                sig = signature(board)
                if sig == self._sigs.get(dev):
                    continue
                f = face(dev, board, self.chars)
            except Exception:   # a board rebooting mid-look: the next look sees it whole
                continue
            self._sigs[dev] = sig
            with self.cond:
                self.version += 1
                self.faces[dev] = (self.version, f)
                self.cond.notify_all()

    def printed(self, ticket) -> None:
        """The emulated printer's callback: a slip came out."""
        with self.cond:
            self.version += 1
            self.slips = (self.slips + [(self.version, slip(ticket))])[-SLIPS_KEPT:]
            self.cond.notify_all()

    def since(self, seen: int, timeout: float) -> tuple[int, list[dict], list[dict]]:
        """(version now, faces newer than seen, slips newer than seen), waiting up to timeout
        for something new."""
        with self.cond:
            if self.version <= seen and not self._stop.is_set():
                self.cond.wait(timeout)
            faces = [f for v, f in self.faces.values() if v > seen]
            slips = [s for v, s in self.slips if v > seen]
            return self.version, faces, slips

    def _watch(self) -> None:
        while not self._stop.wait(PERIOD):
            self.look()
