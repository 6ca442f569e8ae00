"""The gateway's status LED on a GPIO pin (gpiozero): one pattern per state,
so a maintainer sees from across the hall whether the gateway is up.

  starting   even blink, 0.25 s     broker connected   steady on
  broker lost  slow blink, 1 s       error             fast blink, 0.1 s"""
from __future__ import annotations

import logging
import warnings

from gpiozero import LED
from gpiozero.exc import GPIOZeroError
from gpiozero.pins.mock import MockFactory

from gateway.devices import health

log = logging.getLogger(__name__)
DEFAULT_PIN = 24  # BCM; the amplifier enable is on 18

# state -> (on seconds, off seconds); None = steady on
PATTERNS = {
    health.STARTING: (0.25, 0.25),
    health.CONNECTED: None,
    health.LOST: (1.0, 1.0),
    health.ERROR: (0.1, 0.1),
}


class StatusLed:
    def __init__(self, pin: int = DEFAULT_PIN, pin_factory=None):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # gpiozero warns per factory it tries; one log line says it
                self.led = LED(pin, pin_factory=pin_factory)
        except GPIOZeroError as e:
            if pin_factory is not None:
                raise
            log.warning("no GPIO here (%s): status LED on pin %s uses gpiozero's MockFactory", e, pin)
            self.led = LED(pin, pin_factory=MockFactory())
        self.pin = pin
        self.state: str | None = None

    def show(self, state: str) -> None:
        if state not in PATTERNS:
            raise ValueError(f"no LED pattern for {state!r}")
        self.state = state
        p = PATTERNS[state]
        if p is None:
            self.led.on()
        else:
            self.led.blink(on_time=p[0], off_time=p[1], background=True)

    def close(self) -> None:
        self.led.off()
        self.led.close()
