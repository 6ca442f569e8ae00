"""The Pi's own MAX7219 panel, drawn through luma.led_matrix from a display's desired state,
exactly as the ESP32 display draws it (firmware/display.py): the frame at its scroll offset,
wrapping round when wider than the panel, one pixel every 40 ms, the offline marker (2x2,
top-right) while the broker is lost, brightness as `bright` (MAX7219 intensity 0..15).
draw() is the pure part; Panel keeps the state and drives a luma device (a real max7219 on
the Pi, luma.emulator's dummy in tests)."""
from __future__ import annotations

import base64
import logging
import threading

from PIL import Image, ImageDraw

from gateway.display.render import render

log = logging.getLogger("hallgw.attached.panel")
STEP_S = 0.040  # scroll speed: 25 px/s, as the firmware's _STEP_MS


def frame_image(d: dict) -> Image.Image:
    # The frame's rows are MSB first, padded to bytes: PIL's raw "1" layout.
    return Image.frombytes("1", (d["fw"], d["ph"]), base64.b64decode(d["frame"]))


def draw(frame: Image.Image | None, size: tuple[int, int], offset: int, scroll: bool, up: bool,
         idle: Image.Image | None = None) -> Image.Image:
    pw, ph = size
    img = Image.new("1", size, 0)
    if frame is None:
        if idle is not None:
            img.paste(idle.crop((0, 0, pw, ph)), (0, 0))
    else:
        img.paste(frame, (-offset, 0))
        if scroll and frame.width - offset < pw:
            img.paste(frame, (frame.width - offset, 0))
    if not up:
        ImageDraw.Draw(img).rectangle((pw - 2, 0, pw - 1, 1), fill=1)
    return img


def idle_image(window: int, size: tuple[int, int]) -> Image.Image | None:
    if size[1] < 16:
        return None
    f = render(str(window), *size)
    return Image.frombytes("1", (f.width, f.height), f.bits)


def luma_device(spec):
    """The real panel: a MAX7219 chain on /dev/spidev<port>.<device>."""
    from luma.core.interface.serial import noop, spi
    from luma.led_matrix.device import max7219

    return max7219(spi(port=spec.spi_port, device=spec.spi_device, gpio=noop()), width=spec.width,
                   height=spec.height, block_orientation=spec.block_orientation, rotate=spec.rotate,
                   blocks_arranged_in_reverse_order=spec.reverse_order)


class Panel:
    def __init__(self, device, window: int):
        self.device = device
        self.size = (device.width, device.height)
        self.lock = threading.Lock()
        self.frame: Image.Image | None = None
        self.scroll = False
        self.offset = 0
        self.bright = 7
        self.lit = -1
        self.up = False
        # Until the gateway speaks, the window number, so the sign is not dark.
        self.idle = idle_image(window, self.size)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def apply(self, d: dict) -> None:
        if (d["pw"], d["ph"]) != self.size:
            log.warning("frame for a %dx%d panel, this one is %dx%d: ignored", d["pw"], d["ph"], *self.size)
            return
        with self.lock:
            self.frame, self.scroll, self.offset, self.bright = frame_image(d), d["scroll"], 0, d["bright"]
            self._show()  # at once: a called number shows without waiting for the next step

    def online(self, up: bool) -> None:
        with self.lock:
            self.up = up
            self._show()

    def image(self) -> Image.Image:
        with self.lock:
            return draw(self.frame, self.size, self.offset, self.scroll, self.up, self.idle)

    def step(self) -> None:
        with self.lock:
            if self.scroll and self.frame is not None:
                self.offset = (self.offset + 1) % self.frame.width
                self._show()

    def _show(self) -> None:
        if self.bright != self.lit:
            self.device.contrast(self.bright * 16)  # luma: intensity = contrast >> 4
            self.lit = self.bright
        self.device.display(draw(self.frame, self.size, self.offset, self.scroll, self.up, self.idle))

    def start(self) -> None:
        with self.lock:
            self._show()
        self._thread = threading.Thread(target=self._run, name="pi-panel", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(STEP_S):
            self.step()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self.device.clear()
