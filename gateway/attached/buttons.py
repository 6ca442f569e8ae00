"""Call buttons on the Pi's GPIO (gpiozero): each pin a key of a call pad, pressed to ground
(internal pull-up, 50 ms debounce); a press sends that pad's event (gateway.attached.device)."""
from __future__ import annotations

import logging

from gpiozero import Button

log = logging.getLogger("hallgw.attached.buttons")
BOUNCE_S = 0.05


class CallButtons:
    def __init__(self, specs, links: dict, pin_factory=None):
        self.buttons = []
        for spec in specs:
            b = Button(spec.pin, pull_up=True, bounce_time=BOUNCE_S, pin_factory=pin_factory)
            b.when_pressed = self._sender(links[spec.device], spec)
            self.buttons.append(b)

    @staticmethod
    def _sender(link, spec):
        def pressed() -> None:
            log.info("GPIO %d: %s %s", spec.pin, spec.device, spec.key)
            link.press(spec.key, **spec.fields)
        return pressed

    def close(self) -> None:
        for b in self.buttons:
            b.close()
