# Key scanner for active-low keys. A falling edge's interrupt wakes it, so a
# press is reported on its leading edge at once rather than on the next scan;
# while a key is down or bouncing it scans every few ms (bounces for DEBOUNCE
# ms after each edge are ignored; holding a key LONG ms reports a long press
# as well). Idle, it still scans now and then, in case an edge was missed.
import asyncio
import time
from machine import Pin
from micropython import const

_SCAN_MS = const(5)
_IDLE_MS = const(100)
DEBOUNCE = const(40)
LONG = const(800)


class Keys:
    def __init__(self, table, on_key):
        # table: "name:gpio ..." (keymap.CALLPAD_KEYS); on_key(name, long) is
        # called for every press (long=False) and again when it becomes a long
        # press (long=True). A key's name is cut from the table when it is
        # pressed: kept as strings, 20 names would hold 1K of heap for good.
        self.table = table
        self.pins = [Pin(int(k[k.index(":") + 1:]), Pin.IN, Pin.PULL_UP) for k in table.split()]
        n = len(self.pins)
        self.down = bytearray(n)       # debounced state
        self.longdone = bytearray(n)
        self.edge = [0] * n            # ticks of the last accepted edge
        self.on_key = on_key
        self.flag = asyncio.ThreadSafeFlag()
        irq = self._irq   # one bound method for every pin, not one each
        for p in self.pins:
            p.irq(irq, Pin.IRQ_FALLING)

    def name(self, i):
        k = self.table.split()[i]
        return k[:k.index(":")]

    def index(self, name):
        i = 0
        for k in self.table.split():
            if k[:k.index(":")] == name:
                return i
            i += 1
        raise ValueError(name)

    def _irq(self, _pin):
        self.flag.set()   # interrupt context: nothing else here

    def _busy(self, now):
        for i in range(len(self.pins)):
            if self.down[i] or time.ticks_diff(now, self.edge[i]) < DEBOUNCE:
                return True
        return False

    def scan(self):
        now = time.ticks_ms()
        for i in range(len(self.pins)):
            level = not self.pins[i].value()
            if time.ticks_diff(now, self.edge[i]) < DEBOUNCE:
                continue
            if level and not self.down[i]:
                self.down[i] = 1
                self.longdone[i] = 0
                self.edge[i] = now
                self.on_key(self.name(i), False)
            elif not level and self.down[i]:
                self.down[i] = 0
                self.edge[i] = now
            elif level and not self.longdone[i] and time.ticks_diff(now, self.edge[i]) >= LONG:
                self.longdone[i] = 1
                self.on_key(self.name(i), True)

    async def run(self):
        while True:
            try:
                self.scan()
            except Exception as e:  # a role's handler must never stop the keypad
                print("keys: %r" % (e,))
            if self._busy(time.ticks_ms()):
                await asyncio.sleep_ms(_SCAN_MS)
                continue
            try:
                await asyncio.wait_for_ms(self.flag.wait(), _IDLE_MS)
            except asyncio.TimeoutError:
                pass
