"""The attached-hardware file (`hallgw run --attached /etc/hall/attached.toml`), checked
against the hall file with the same kind of errors: file, key path, what is wrong.

    status_led_pin = 24            # BCM pin of the gateway's status LED (default 24)
    [panel]                        # a display of the hall file, drawn on the Pi's own panel
    device = "s1-led"
    spi_port = 0                   # /dev/spidev<port>.<device>
    spi_device = 0
    block_orientation = -90        # 0, 90, -90 or 180: how the 8x8 modules sit on the board
    rotate = 0                     # 0..3 quarter turns of the whole panel
    reverse_order = false          # modules chained right to left
    [[buttons]]                    # a key of a call pad of the hall file, on a GPIO pin to ground
    pin = 17
    device = "s1-pad"
    key = "call_next"              # any call pad key; its fields beside it (case = "immediate", staff = "2001")
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gateway.audio.amp import DEFAULT_PIN as AMP_PIN
from gateway.config import ConfigError
from protocols import events

PINS = range(0, 28)  # BCM GPIO 0..27 on the 40-pin header


@dataclass(frozen=True)
class PanelSpec:
    device: str
    width: int
    height: int
    window: int
    spi_port: int = 0
    spi_device: int = 0
    block_orientation: int = 0
    rotate: int = 0
    reverse_order: bool = False


@dataclass(frozen=True)
class ButtonSpec:
    pin: int
    device: str
    key: str
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Attached:
    panel: PanelSpec | None
    buttons: tuple[ButtonSpec, ...]
    status_led_pin: int | None


def _int(errors, where, v, lo, hi):
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        errors.append(f"{where}: {v!r} is not a whole number in {lo}..{hi}")
        return lo
    return v


def parse(data: dict, hall, name: str = "attached.toml") -> Attached:
    errors: list[str] = []
    devices = {d.id: d for d in hall.devices}
    known = {"status_led_pin", "panel", "buttons"}
    errors += [f"{k}: unknown key" for k in data if k not in known]
    led = data.get("status_led_pin")
    if led is not None:
        led = _int(errors, "status_led_pin", led, PINS.start, PINS.stop - 1)
    panel = None
    if "panel" in data:
        p = dict(data["panel"])
        dev = devices.get(p.get("device"))
        if dev is None or dev.role != "display":
            errors.append(f"panel.device: {p.get('device')!r} is not a display of the hall file")
        else:
            size = hall.window(dev.window).panel
            for k in set(p) - {"device", "spi_port", "spi_device", "block_orientation", "rotate", "reverse_order"}:
                errors.append(f"panel.{k}: unknown key")
            bo = p.get("block_orientation", 0)
            if bo not in (0, 90, -90, 180):
                errors.append(f"panel.block_orientation: {bo!r} is not one of 0, 90, -90, 180")
            if not isinstance(p.get("reverse_order", False), bool):
                errors.append("panel.reverse_order: not true or false")
            panel = PanelSpec(dev.id, size.width, size.height, dev.window,
                              _int(errors, "panel.spi_port", p.get("spi_port", 0), 0, 7),
                              _int(errors, "panel.spi_device", p.get("spi_device", 0), 0, 7), bo,
                              _int(errors, "panel.rotate", p.get("rotate", 0), 0, 3), p.get("reverse_order", False))
    # Pins the Pi's other parts hold: the amplifier's enable, and SPI0 while the panel is on it.
    taken = {AMP_PIN: "the amplifier's enable"}
    if panel is not None and panel.spi_port == 0:
        taken |= dict.fromkeys((9, 10, 11), "SPI0 (the LED panel)") | {8 - panel.spi_device: "the panel's chip select"}
    buttons = []
    for i, b in enumerate(data.get("buttons", [])):
        where = f"buttons[{i}]"
        b = dict(b)
        pin = _int(errors, f"{where}.pin", b.pop("pin", None), PINS.start, PINS.stop - 1)
        dev = devices.get(b.get("device"))
        if dev is None or dev.role != "callpad":
            errors.append(f"{where}.device: {b.get('device')!r} is not a call pad of the hall file")
        key = b.pop("key", None)
        device = b.pop("device", None)
        try:  # the event it will send, checked as the gateway checks a pad's
            events.action(device or "x", "check", 1, 0, key, **b)
        except (ValueError, TypeError, KeyError) as e:
            errors.append(f"{where}: key {key!r} with {b or 'no fields'}: {e}")
        if any(x.pin == pin for x in buttons) or pin == led:
            errors.append(f"{where}.pin: GPIO {pin} is used twice")
        elif pin in taken:
            errors.append(f"{where}.pin: GPIO {pin} is {taken[pin]}")
        buttons.append(ButtonSpec(pin, device, key, b))
    if errors:
        raise ConfigError(name, [tuple(e.split(": ", 1)) for e in errors])
    return Attached(panel, tuple(buttons), led)


def load(path: str | Path, hall) -> Attached:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(str(p), [("", str(e))]) from None
    return parse(data, hall, str(p))
