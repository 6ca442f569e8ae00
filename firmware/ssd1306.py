# SSD1306 128x64 OLED over I2C, drawn through framebuf (MONO_VLSB matches
# the controller's page layout, so show() sends the buffer as it is).
import framebuf
from micropython import const

_ADDR = const(0x3C)
_INIT = (0xAE, 0x20, 0x00, 0x40, 0xA1, 0xA8, 63, 0xC8, 0xD3, 0x00, 0xDA, 0x12,
         0xD5, 0x80, 0xD9, 0xF1, 0xDB, 0x30, 0x81, 0xCF, 0xA4, 0xA6, 0x8D, 0x14, 0xAF)


class SSD1306(framebuf.FrameBuffer):
    def __init__(self, i2c, width=128, height=64):
        self.i2c, self.width, self.height = i2c, width, height
        self.buf = bytearray(width * height // 8)
        super().__init__(self.buf, width, height, framebuf.MONO_VLSB)
        self._cmd = bytearray(2)
        self._head = b"\x40"
        for c in _INIT:
            self.command(c)
        self.fill(0)
        self.show()

    def command(self, c):
        self._cmd[0] = 0x80
        self._cmd[1] = c
        self.i2c.writeto(_ADDR, self._cmd)

    def power(self, on):
        self.command(0xAF if on else 0xAE)

    def show(self):
        for c in (0x21, 0, self.width - 1, 0x22, 0, self.height // 8 - 1):
            self.command(c)
        self.i2c.writevto(_ADDR, (self._head, self.buf))
