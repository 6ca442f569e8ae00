# Emulated `machine` for the MicroPython unix port: the pins, buses,
# watchdog and reset of an ESP32 board, forwarded to the host's models.
import sys
import time

import _board


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self._script = None
        self._irq = None
        self._v = (1 if pull == 1 else 0) if value is None else (1 if value else 0)
        _board.pins[id] = self
        if mode == 3:
            _board.send(80, bytes((id, self._v)))

    def script(self, steps):
        # Input levels over time: ((ms, level), ...), as a finger does. The
        # time runs from the firmware's first look at the pin, so a host that
        # deschedules the board for a while cannot make it miss a press.
        self._script = [None, steps]
        # The finger's first contact is a falling edge: the interrupt fires at once.
        if self._irq and self._irq[1] & Pin.IRQ_FALLING and steps and steps[0][1] == 0 and self._v:
            self._irq[0](self)

    def irq(self, handler=None, trigger=3):
        self._irq = (handler, trigger) if handler else None

    def pressing(self):
        """True until the firmware has seen the whole script."""
        s = self._script
        return bool(s) and (s[0] is None or time.ticks_diff(time.ticks_ms(), s[0]) <= s[1][-1][0])

    def value(self, v=None):
        if v is None:
            if self._script:
                s = self._script
                if s[0] is None:
                    s[0] = time.ticks_ms()
                dt = time.ticks_diff(time.ticks_ms(), s[0])
                level = self._v
                for at, lv in s[1]:
                    if at <= dt:
                        level = lv
                if dt > s[1][-1][0]:
                    # The finger is gone: the key rests at its last level, and the
                    # script goes (kept, every key ever pressed would hold its
                    # script on the board's heap, which a real pin does not).
                    self._v, self._script = level, None
                return level
            return self._v
        v = 1 if v else 0
        if v != self._v and self.mode == 3:
            _board.send(80, bytes((self.id, v)))
        self._v = v

    __call__ = value

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class SPI:
    # One transaction per chip select pulse; the host latches it on the chain.
    def __init__(self, id=1, *a, **kw):
        pass

    def write(self, buf):
        _board.send(83, buf)


class I2C:
    def __init__(self, id=0, *a, **kw):
        pass

    def scan(self):
        return [0x3C]

    def writeto(self, addr, buf, stop=True):
        _board.send(73, bytes((addr,)), buf)
        return 1

    def writevto(self, addr, vector, stop=True):
        _board.send(73, bytes((addr,)), *vector)
        return len(vector)


SoftI2C = I2C


class WDT:
    def __init__(self, id=0, timeout=5000):
        _board.tell({"wdt": timeout})

    def feed(self):
        _board.tell({"feed": 1})


def reset():
    _board.tell({"reset": 1})
    sys.exit(3)


def reset_cause():
    return 1


def unique_id():
    import os
    return (os.getenv("HIL_UID") or "board").encode()[:6]


def freq(hz=None):
    return 240000000
