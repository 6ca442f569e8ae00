"""Hardware wired to the Pi (gateway/attached) as a gateway extension, when `hallgw run
--attached FILE` names it: the LED panel (luma.led_matrix on SPI) drawing its display's
desired state, and the call buttons (gpiozero). Started after the device plane.

options used: attached (gateway.attached.config.Attached), broker_host, broker_port,
mqtt_credentials, attached_panel_device (tests: a luma device, e.g. luma.emulator's dummy),
attached_pin_factory (tests: gpiozero's MockFactory)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

ORDER = 55
log = logging.getLogger("hallgw.attached")


def create(runtime, options: dict):
    cfg = options.get("attached")
    if cfg is None or (cfg.panel is None and not cfg.buttons):
        return None
    return Attached(runtime.hall, cfg, options)


class Attached:
    def __init__(self, hall, cfg, options: dict):
        from gateway.attached.device import DeviceLink
        from gateway.attached.panel import Panel, luma_device

        host = options.get("broker_host") or hall.broker.host
        port = int(options.get("broker_port") or hall.broker.port)
        creds = options.get("mqtt_credentials")
        logins = json.loads(Path(creds).read_text())["devices"] if creds else {}
        self.links: dict[str, DeviceLink] = {}
        self.panel = None
        self.buttons = None
        self.cfg, self.pin_factory = cfg, options.get("attached_pin_factory")
        if cfg.panel is not None:
            dev = options.get("attached_panel_device") or luma_device(cfg.panel)
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
