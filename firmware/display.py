# LED window display (窗口条屏): shows the 1-bit frames the gateway renders,
# scrolls frames wider than the panel locally, dims on the configured
# schedule, keeps its last content and adds an offline marker (a dot in the
# top-right corner) while the broker is lost.
import asyncio
import binascii
import framebuf
import gc
from machine import SPI, Pin
from micropython import const

import clock
import keymap
from max7219 import Max7219

_STEP_MS = const(40)   # scroll speed: 25 px/s


class Display:
    def __init__(self, dev):
        cfg = dev.cfg
        self.dev = dev
        spi = SPI(1, baudrate=10000000, polarity=0, phase=0,
                  sck=Pin(keymap.SPI_SCK), mosi=Pin(keymap.SPI_MOSI))
        self.panel = Max7219(spi, Pin(keymap.SPI_CS, Pin.OUT, value=1), cfg["pw"], cfg["ph"])
        self.dim = cfg.get("dim")
        self.tz = cfg["tz_minutes"]
        self.frame = None
        self.buf = None       # the frame's pixels, reused when the next frame has the same size
        self.fw = self.panel.width
        self.scroll = False
        self.offset = 0
        self.bright = 7
        self.lit = -1
        self.up = False
        self.dirty = True
        # Until the gateway speaks, show the window number so the sign is not dark.
        self.idle_text = "%d" % cfg["window"]

    def apply(self, d):
        p = self.panel
        if d["pw"] != p.width or d["ph"] != p.height:
            raise ValueError("frame for a %dx%d panel, this one is %dx%d"
                             % (d["pw"], d["ph"], p.width, p.height))
        # wire.desired checked the frame (a memoryview of base64 into the
        # payload). It is decoded 48 bytes at a time into the old frame's
        # buffer when the size is the same, else into a new one; only if the
        # heap has no room for both does the old frame go first.
        b64 = d.pop("frame")
        n = d["fw"] * d["ph"] // 8
        buf = self.buf
        if buf is None or len(buf) != n:
            try:
                buf = bytearray(n)
            except MemoryError:
                self.frame = self.buf = buf = None
                gc.collect()
                buf = bytearray(n)
        self.frame, self.buf = None, buf
        o = 0
        for i in range(0, len(b64), 64):
            b = binascii.a2b_base64(b64[i:i + 64])
            buf[o:o + len(b)] = b
            o += len(b)
        self.frame = framebuf.FrameBuffer(buf, d["fw"], d["ph"], framebuf.MONO_HLSB)
        self.fw = d["fw"]
        self.scroll = d["scroll"]
        self.offset = 0
        self.bright = d["bright"]
        self.dirty = False
        self._draw()    # at once, not on the next scroll step: a called number shows without delay

    def online(self, up):
        self.up = up
        self.dirty = True

    def _level(self):
        if self.dim:
            a, b, lvl = self.dim
            m = clock.minute_of_day(self.tz)
            inside = a <= m < b if a <= b else (m >= a or m < b)
            if inside:
                return min(lvl, self.bright)
        return self.bright

    def _draw(self):
        p = self.panel
        p.fb.fill(0)
        if not self.frame:
            p.fb.text(self.idle_text, 0, 0, 1)
        else:
            p.fb.blit(self.frame, -self.offset, 0)
            if self.scroll and self.fw - self.offset < p.width:
                p.fb.blit(self.frame, self.fw - self.offset, 0)
        if not self.up:
            p.fb.fill_rect(p.width - 2, 0, 2, 2, 1)
        p.show()

    async def run(self):
        n = 0
        while True:
            if n % 25 == 0:
                lvl = self._level()
                if lvl != self.lit:
                    self.panel.brightness(lvl)
                    self.lit = lvl
            n += 1
            if self.scroll and self.frame:
                self.offset = (self.offset + 1) % self.fw
                self.dirty = True
            if self.dirty:
                self.dirty = False
                self._draw()
            await asyncio.sleep_ms(_STEP_MS)
