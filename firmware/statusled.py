# The status LED: steady on = online, slow blink = offline (no broker),
# fast blink = error (bad config, or the last action failed).
import asyncio
from machine import Pin

OFFLINE = "offline"
ONLINE = "online"
ERROR = "error"
_HALF_PERIOD = {OFFLINE: 500, ERROR: 100}


class StatusLed:
    def __init__(self, gpio):
        self.pin = Pin(gpio, Pin.OUT, value=0)
        self.pattern = OFFLINE

    async def run(self):
        on = 0
        while True:
            half = _HALF_PERIOD.get(self.pattern)
            if half is None:
                self.pin.value(1)
                await asyncio.sleep_ms(100)
                continue
            on ^= 1
            self.pin.value(on)
            await asyncio.sleep_ms(half)
