# A chain of MAX7219 8x8 LED modules over SPI, drawn through framebuf.
# Module k of the chain (k = 0 nearest the ESP32) shows the 8x8 tile at
# column k % cols, row k // cols of the panel. Bytes for the far end of the
# chain are shifted out first (datasheet: data ripples through DOUT).
import framebuf
from micropython import const

_DIGIT0 = const(1)
_DECODE = const(9)
_INTENSITY = const(10)
_SCAN = const(11)
_SHUTDOWN = const(12)
_TEST = const(15)


class Max7219:
    def __init__(self, spi, cs, width, height):
        self.spi, self.cs = spi, cs
        self.width, self.height = width, height
        self.cols = width // 8
        self.n = self.cols * (height // 8)
        self.buf = bytearray(width * height // 8)
        self.fb = framebuf.FrameBuffer(self.buf, width, height, framebuf.MONO_HLSB)
        self.out = bytearray(2 * self.n)
        for reg, val in ((_TEST, 0), (_DECODE, 0), (_SCAN, 7), (_INTENSITY, 7), (_SHUTDOWN, 1)):
            self._all(reg, val)

    def _write(self):
        self.cs(0)
        self.spi.write(self.out)
        self.cs(1)

    def _all(self, reg, val):
        for i in range(self.n):
            self.out[2 * i] = reg
            self.out[2 * i + 1] = val
        self._write()

    def brightness(self, level):
        self._all(_INTENSITY, level)

    def show(self):
        cols, n, out, buf = self.cols, self.n, self.out, self.buf
        for r in range(8):
            for k in range(n):
                j = (n - 1 - k) * 2
                out[j] = _DIGIT0 + r
                out[j + 1] = buf[((k // cols) * 8 + r) * cols + k % cols]
            self._write()
