# Emulated `machine` for the MicroPython unix port: the pins, buses,
# watchdog and reset of an ESP32 board, wired to the host's control channel.
import sys
import time

import _board
from _devices import MAX7219Chain, SSD1306

SCREEN = SSD1306()
PANEL = MAX7219Chain()
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 2
    IRQ_RISING = 1

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self.trace = []
        self._script = None
        self._v = (1 if pull == Pin.PULL_UP else 0) if value is None else (1 if value else 0)
        _board.pins[id] = self

    def init(self, mode=-1, pull=-1, value=None):
        self.mode = mode
        if value is not None:
            self.value(value)

    def script(self, steps):
        # Input levels over time from now: ((ms, level), ...), as a finger does.
        self._script = (time.ticks_ms(), steps)

    def value(self, v=None):
        if v is None:
            if self._script:
                t0, steps = self._script
                dt = time.ticks_diff(time.ticks_ms(), t0)
                level = self._v
                for at, lv in steps:
                    if at <= dt:
                        level = lv
                return level
            return self._v
        v = 1 if v else 0
        if v != self._v:
            if self.mode == Pin.OUT:
                self.trace.append((time.ticks_ms(), v))
                if len(self.trace) > 32:
                    self.trace.pop(0)
            if self.id == _board.spi_cs and v:
                PANEL.latch(_board.spi_buf)
                _board.spi_buf = bytearray()
        self._v = v

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3):
        raise OSError("pin interrupts are not emulated: poll the pin")


class SPI:
    def __init__(self, id=1, baudrate=1000000, polarity=0, phase=0, **kw):
        self.id = id

    def init(self, *a, **kw):
        pass

    def write(self, buf):
        _board.spi_buf.extend(buf)


class I2C:
    def __init__(self, id=0, scl=None, sda=None, freq=400000, **kw):
        self.id = id

    def scan(self):
        return [0x3C]

    def writeto(self, addr, buf, stop=True):
        if addr != 0x3C:
            raise OSError(19)  # ENODEV: nothing answers at that address
        SCREEN.write(buf)
        return 1

    def writevto(self, addr, vector, stop=True):
        if addr != 0x3C:
            raise OSError(19)
        if len(vector) == 2 and len(vector[0]) == 1:
            SCREEN.write_data(vector[0][0], vector[1])   # control byte, then the bytes
            return 2
        b = bytearray()
        for v in vector:
            b.extend(v)
        return self.writeto(addr, b)


SoftI2C = I2C


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        _board.tell({"wdt": timeout})

    def feed(self):
        _board.tell({"feed": 1})


def reset():
    _board.tell({"reset": 1})
    sys.exit(3)


def soft_reset():
    reset()


def reset_cause():
    return PWRON_RESET


def unique_id():
    import os
    return (os.getenv("HIL_UID") or "board").encode()[:6]


def freq(hz=None):
    return 240000000


def idle():
    time.sleep_ms(1)
