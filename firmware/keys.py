# Key scanner: polls active-low keys every few ms. A press is reported on
# its leading edge at once; bounces for DEBOUNCE ms after each edge are
# ignored; holding a key LONG ms reports a long press as well.
import asyncio
import time
from machine import Pin
from micropython import const

_SCAN_MS = const(5)
DEBOUNCE = const(40)
LONG = const(800)


class Keys:
    def __init__(self, keys, on_key):
        # keys: ((name, gpio), ...); on_key(name, long) is called for every
        # press (long=False) and again when it becomes a long press (long=True).
        self.names = [k[0] for k in keys]
        self.pins = [Pin(g, Pin.IN, Pin.PULL_UP) for _, g in keys]
        n = len(keys)
        self.down = bytearray(n)       # debounced state
        self.longdone = bytearray(n)
        self.edge = [0] * n            # ticks of the last accepted edge
        self.on_key = on_key

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
                self.on_key(self.names[i], False)
            elif not level and self.down[i]:
                self.down[i] = 0
                self.edge[i] = now
            elif level and not self.longdone[i] and time.ticks_diff(now, self.edge[i]) >= LONG:
                self.longdone[i] = 1
                self.on_key(self.names[i], True)

    async def run(self):
        while True:
            try:
                self.scan()
            except Exception as e:  # a role's handler must never stop the keypad
                print("keys: %r" % (e,))
            await asyncio.sleep_ms(_SCAN_MS)
