"""The device plane as a gateway extension: MQTT link to the call pads,
evaluators and LED displays, and GET /api/v1/devices.

options used: data_dir, broker_host, broker_port, app (FastAPI, for the
route), mqtt_credentials (a credentials.json from `hallgw mosquitto-config`;
also the environment variable HALLGW_MQTT_CREDENTIALS) when the broker wants
a password."""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from gateway.devices import health
from gateway.devices.api import router
from gateway.devices.plane import DevicePlane

ORDER = 50
log = logging.getLogger(__name__)


def gateway_credentials(options: dict) -> tuple[str | None, str | None]:
    path = options.get("mqtt_credentials") or os.environ.get("HALLGW_MQTT_CREDENTIALS")
    if not path:
        return None, None
    gw = json.loads(Path(path).read_text())["gateway"]
    return gw["username"], gw["password"]


def gateway_tls(options: dict) -> tuple[int, str] | None:
    """(TLS port, hall CA) when the broker has no plain listener (credentials.json says so)."""
    path = options.get("mqtt_credentials") or os.environ.get("HALLGW_MQTT_CREDENTIALS")
    if not path:
        return None
    b = json.loads(Path(path).read_text())["broker"]
    if b.get("port", 0) is not None or not b.get("tls"):
        return None
    return b["tls"]["port"], b["tls"]["ca_pem"]


def create(runtime, options: dict):
    hall = runtime.hall
    user, password = gateway_credentials(options)
    port = int(options.get("broker_port") or hall.broker.port)
    tls = gateway_tls(options)
    host = options.get("broker_host") or hall.broker.host
    if tls and host in ("0.0.0.0", "::"):
        host = "127.0.0.1"  # a listener on every address: this machine's own, as its certificate names it
    plane = DevicePlane(hall, runtime, Path(options.get("data_dir") or "data") / "devices",
                        host, tls[0] if tls else port, user, password,
                        clock=options.get("clock") or time.time, ca_file=tls[1] if tls else None)
    if options.get("app") is not None:
        options["app"].include_router(router(plane))
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
