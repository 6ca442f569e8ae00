"""What `hallgw run` hands each extension: one frozen, typed context (docs/EXTENSIONS.md).

    ctx.runtime, ctx.hall        the runtime (submit, subscribe, read) and its hall file
    ctx.settings                 the command line's settings, with their defaults
    ctx.tokens                   the roles' tokens (clerk, supervisor, kiosk, screen)
    ctx.app                      the FastAPI app to add routes to (None: no web server)
    ctx.clock, ctx.closing       the hall's (maybe simulated) clock; set at SIGTERM: streams end
    ctx.stand_ins                what tests put in place of the hall's hardware
    ctx.need(PORT), ctx.get(PORT)   what another extension provides (gateway/extensions/ports.py)

Nothing in it can be changed: an extension hands others what it PROVIDES, never by writing here.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gateway.extensions.ports import Port, Ports

if TYPE_CHECKING:
    from fastapi import FastAPI

    from gateway.attached.config import Attached
    from gateway.config.model import Hall
    from gateway.devices.health import Health
    from gateway.runtime import Runtime

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """`hallgw run`'s settings (its --help), with the command line's defaults. The last few are not
    on the command line: tests, benchmarks and the hall simulator set them."""
    config_path: Path | None = None          # --config: the hall file
    data_dir: Path = Path("data")            # --data-dir: where the store lives
    http_port: int = 8080                    # --http-port (0: no web server listens)
    mqtt_credentials: Path | None = None     # --mqtt-credentials: the gateway's broker login
    attached: Attached | None = None         # --attached, loaded and checked against the hall file
    backup_dir: Path | None = None           # --backup-dir: online backups on a schedule (None: none)
    backup_every_hours: float = 24.0         # --backup-every-hours
    backup_keep_days: float = 14.0           # --backup-keep-days
    broker_port: int | None = None           # --broker-port (hidden): else the hall file's [broker] port
    broker_tls_port: int | None = None       # --broker-tls-port (hidden): else [broker] tls_port; 0: none
    broker_host: str | None = None           # else the hall file's [broker] host
    voice_dir: Path | None = None            # the voice packs (None: build/voice)
    alsa_device: str | None = None           # where the announcer plays (None: ALSA's default)
    printer_poll_seconds: float = 30.0       # the kiosk printer's state between tickets (0: never)


@dataclass(frozen=True)
class Tokens:
    """The roles' tokens as `hallgw run` loaded them (environment, systemd credential or data dir).
    Never shown: repr leaves them out."""
    clerk: str = field(repr=False)
    supervisor: str = field(repr=False)
    kiosk: str = field(repr=False)
    screen: str = field(repr=False)

    @classmethod
    def load(cls, data_dir: str | Path) -> Tokens:
        """As `hallgw run` finds them (each made on first use); run itself also checks they differ."""
        from gateway.roles import load_role_token, load_supervisor_token, load_token

        return cls(load_token(data_dir)[0], load_supervisor_token(data_dir)[0], load_role_token(data_dir, "kiosk")[0],
                   load_role_token(data_dir, "screen")[0])


@dataclass(frozen=True)
class StandIns:
    """What tests and benchmarks put in place of the hall's hardware; None: the real part."""
    pin_factory: Any = None                  # gpiozero's (MockFactory): amplifier, status LED, call buttons
    panel_device: Any = None                 # a luma device (luma.emulator) for the Pi-attached LED panel
    audio_player: Any = None                 # the announcer plays into it instead of ALSA or files
    device_health: Health | None = None      # what the status LED follows instead of the device plane's


@dataclass(frozen=True)
class Context:
    runtime: Runtime
    tokens: Tokens
    settings: Settings = Settings()
    app: FastAPI | None = None
    clock: Callable[[], float] = time.time
    closing: threading.Event = field(default_factory=threading.Event)
    stand_ins: StandIns = StandIns()
    ports: Ports = field(default_factory=Ports)

    @property
    def hall(self) -> Hall:
        return self.runtime.hall

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    @property
    def broker_host(self) -> str:
        return self.settings.broker_host or self.hall.broker.host

    @property
    def broker_port(self) -> int:
        return int(self.settings.broker_port or self.hall.broker.port)

    def need(self, port: Port[T]) -> T:
        """What the extension providing this port handed over; the port is in NEEDS."""
        return self.ports.need(port)

    def get(self, port: Port[T]) -> T | None:
        """The same for a port in WANTS: None when no extension provides it here."""
        return self.ports.get(port)
