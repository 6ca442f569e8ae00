"""Hardware wired to the Pi (gateway/attached) as a gateway extension, when `hallgw run
--attached FILE` names it: the LED panel (luma.led_matrix on SPI) drawing its display's
desired state, and the call buttons (gpiozero). Each stands in for a device of the hall file on
MQTT, with that device's login from the gateway's credentials.json (gateway/extensions/devices.py);
tests put a luma device and gpiozero's MockFactory in ctx.stand_ins."""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from gateway.extensions.context import Context
from gateway.extensions.devices import credentials_file
from gateway.extensions.ports import BROKER_CREDENTIALS

if TYPE_CHECKING:
    from gateway.attached.buttons import CallButtons

WANTS = (BROKER_CREDENTIALS,)
log = logging.getLogger("hallgw.attached")


def create(ctx: Context):
    cfg = ctx.settings.attached
    if cfg is None or (cfg.panel is None and not cfg.buttons):
        return None
    return Attached(ctx, cfg)


class Attached:
    def __init__(self, ctx: Context, cfg):
        from gateway.attached.device import DeviceLink
        from gateway.attached.panel import Panel, luma_device

        hall = ctx.hall
        host, port = ctx.broker_host, ctx.broker_port
        creds = credentials_file(ctx)
        logins = json.loads(creds.read_text())["devices"] if creds else {}
        self.links: dict[str, DeviceLink] = {}
        self.panel = None
        self.buttons: CallButtons | None = None
        self.cfg, self.pin_factory = cfg, ctx.stand_ins.pin_factory
        if cfg.panel is not None:
            dev = ctx.stand_ins.panel_device or luma_device(cfg.panel)
            self.panel = Panel(dev, cfg.panel.window)
            self.links[cfg.panel.device] = DeviceLink(hall.id, cfg.panel.device, host, port,
                                                      logins.get(cfg.panel.device), self.panel.apply,
                                                      self.panel.online)
        for b in cfg.buttons:
            if b.device not in self.links:
                self.links[b.device] = DeviceLink(hall.id, b.device, host, port, logins.get(b.device))

    def start(self) -> None:
        from gateway.attached.buttons import CallButtons

        if self.panel is not None:
            self.panel.start()
        for link in self.links.values():
            link.start()
        if self.cfg.buttons:
            self.buttons = CallButtons(self.cfg.buttons, self.links, self.pin_factory)
        log.info("attached to the Pi: %s", ", ".join(
            ([f"LED panel as {self.cfg.panel.device}"] if self.panel else [])
            + [f"GPIO {b.pin} = {b.device} {b.key}" for b in self.cfg.buttons]))

    def stop(self) -> None:
        if self.buttons is not None:
            self.buttons.close()
        for link in self.links.values():
            link.stop()
        if self.panel is not None:
            self.panel.stop()
