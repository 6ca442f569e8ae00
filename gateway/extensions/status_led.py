"""The status LED as a gateway extension: follows the device plane's health
(starting, broker connected, broker lost, error). options: status_led_pin
(BCM, default 24), status_led_pin_factory (tests)."""
from __future__ import annotations

from gateway.devices import health
from gateway.gpio.status_led import DEFAULT_PIN, StatusLed

ORDER = 20


def create(runtime, options: dict):
    return StatusLedExtension(int(options.get("status_led_pin", DEFAULT_PIN)),
                              options.get("status_led_pin_factory"), options.get("health") or health.GATEWAY)


class StatusLedExtension:
    def __init__(self, pin: int, pin_factory, source: health.Health):
        self.led = StatusLed(pin, pin_factory)
        self.source = source
        self._running = False

    def start(self) -> None:
        self._running = True
        self.source.listen(self._follow)

    def _follow(self, state: str) -> None:
        if self._running:
            self.led.show(state)

    def stop(self) -> None:
        self._running = False
        self.led.close()
