"""The device plane as a gateway extension: MQTT link to the call pads, evaluators and LED
displays, and GET /api/v1/devices; the plane is the DEVICE_PLANE port (/healthz, /metrics, the
dashboard). It logs in to the broker with the gateway's login from a credentials.json (`hallgw
mosquitto-config`): the embedded broker's, else --mqtt-credentials, else $HALLGW_MQTT_CREDENTIALS;
none: anonymous."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from gateway.devices import health
from gateway.devices.api import router
from gateway.devices.plane import DevicePlane
from gateway.extensions.context import Context
from gateway.extensions.ports import BROKER_CREDENTIALS, DEVICE_PLANE

WANTS = (BROKER_CREDENTIALS,)
PROVIDES = {DEVICE_PLANE: lambda ext: ext.plane}
ENV = "HALLGW_MQTT_CREDENTIALS"
log = logging.getLogger(__name__)


def credentials_file(ctx: Context) -> Path | None:
    """The credentials.json the gateway's own MQTT clients log in with (an extension that calls
    this WANTS BROKER_CREDENTIALS)."""
    path = ctx.get(BROKER_CREDENTIALS) or ctx.settings.mqtt_credentials or os.environ.get(ENV)
    return Path(path) if path else None


def gateway_credentials(path: Path | None) -> tuple[str | None, str | None]:
    if not path:
        return None, None
    gw = json.loads(Path(path).read_text())["gateway"]
    return gw["username"], gw["password"]


def gateway_tls(path: Path | None) -> tuple[int, str] | None:
    """(TLS port, hall CA) when the broker has no plain listener (credentials.json says so)."""
    if not path:
        return None
    b = json.loads(Path(path).read_text())["broker"]
    if b.get("port", 0) is not None or not b.get("tls"):
        return None
    return b["tls"]["port"], b["tls"]["ca_pem"]


def create(ctx: Context):
    hall = ctx.hall
    creds = credentials_file(ctx)
    user, password = gateway_credentials(creds)
    tls = gateway_tls(creds)
    host = ctx.broker_host
    if tls and host in ("0.0.0.0", "::"):
        host = "127.0.0.1"  # a listener on every address: this machine's own, as its certificate names it
    plane = DevicePlane(hall, ctx.runtime, ctx.data_dir / "devices", host, tls[0] if tls else ctx.broker_port,
                        user, password, clock=ctx.clock, ca_file=tls[1] if tls else None)
    if ctx.app is not None:
        ctx.app.include_router(router(plane))
    return DevicesExtension(plane)


class DevicesExtension:
    def __init__(self, plane: DevicePlane):
        self.plane = plane

    def start(self) -> None:
        try:
            self.plane.start()
        except Exception:
            health.GATEWAY.set(health.ERROR)
            raise

    def stop(self) -> None:
        self.plane.stop()
