"""The hall's amplifier, switched on a GPIO pin through gpiozero around playback.

Off a Pi (no GPIO) the amplifier runs on gpiozero's MockFactory, logged once,
so the announcer works the same on a development machine.
"""
from __future__ import annotations

import logging
import warnings

from gpiozero import OutputDevice
from gpiozero.exc import GPIOZeroError
from gpiozero.pins.mock import MockFactory

log = logging.getLogger(__name__)
DEFAULT_PIN = 18  # BCM numbering
_fallback_logged = False


class Amplifier:
    def __init__(self, pin: int = DEFAULT_PIN, pin_factory=None):
        global _fallback_logged
        try:
            with warnings.catch_warnings():
                # gpiozero warns per factory it tries; the single log line below says it once
                warnings.simplefilter("ignore")
                self.device = OutputDevice(pin, initial_value=False, pin_factory=pin_factory)
        except GPIOZeroError as e:
            if pin_factory is not None:
                raise
            if not _fallback_logged:
                log.warning("no GPIO here (%s): amplifier on pin %s uses gpiozero's MockFactory", e, pin)
                _fallback_logged = True
            self.device = OutputDevice(pin, initial_value=False, pin_factory=MockFactory())
        self.pin = pin

    @property
    def is_on(self) -> bool:
        return bool(self.device.value)

    def on(self) -> None:
        self.device.on()

    def off(self) -> None:
        self.device.off()

    def close(self) -> None:
        self.device.off()
        self.device.close()
