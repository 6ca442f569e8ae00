"""The status LED as a gateway extension: follows the device plane's health
(starting, broker connected, broker lost, error), on the BCM pin of the --attached
file's status_led_pin (default 24). Tests put a pin factory and a health to follow
in ctx.stand_ins."""
from __future__ import annotations

from gateway.devices import health
from gateway.extensions.context import Context
from gateway.gpio.status_led import DEFAULT_PIN, StatusLed


def create(ctx: Context):
    attached = ctx.settings.attached
    pin = attached.status_led_pin if attached is not None and attached.status_led_pin is not None else DEFAULT_PIN
    return StatusLedExtension(pin, ctx.stand_ins.pin_factory, ctx.stand_ins.device_health or health.GATEWAY)


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
