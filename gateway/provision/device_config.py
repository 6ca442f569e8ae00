"""The config.json a device boots from, built from the hall file (pure).

The field set is firmware/config.py's; the broker credentials come from the
credentials.json that `hallgw mosquitto-config` writes, so a device only ever
holds its own password. When that file offers TLS the device gets the TLS port,
the hall CA as a file of its own (CA_FILE, written beside config.json) and the
name the broker's certificate must carry."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from gateway.broker import access
from gateway.config.model import Hall

CA_FILE = "ca.der"


class ProvisionError(ValueError):
    pass


def utc_offset_minutes(tz: str, when: dt.datetime | None = None) -> int:
    when = when or dt.datetime.now(dt.UTC)
    off = when.astimezone(zoneinfo.ZoneInfo(tz)).utcoffset() or dt.timedelta(0)
    return int(off.total_seconds() // 60)


def device_config(hall: Hall, device_id: str, wifi_ssid: str, wifi_password: str = "",
                  broker_host: str | None = None, broker_port: int | None = None,
                  credentials: dict | None = None, tls: bool = True) -> dict:
    """tls=False: the plain port even where credentials offer TLS (a broker that still has it)."""
    try:
        dev = hall.device(device_id)
    except KeyError:
        known = ", ".join(d.id for d in hall.devices[:8])
        raise ProvisionError(f"{hall.source}: no device {device_id!r} in hall {hall.id} "
                             f"(devices: {known}{', …' if len(hall.devices) > 8 else ''})") from None
    if not wifi_ssid or len(wifi_ssid) > 32:
        raise ProvisionError("Wi-Fi SSID must be 1 to 32 characters")
    if len(wifi_password) > 64:
        raise ProvisionError("Wi-Fi password must be at most 64 characters")
    cfg = {
        "device": dev.id, "role": dev.role, "hall": hall.id, "window": dev.window,
        "wifi_ssid": wifi_ssid, "wifi_password": wifi_password,
        "broker_host": broker_host or hall.broker.host,
        "broker_port": broker_port or hall.broker.port,
        "tz_minutes": utc_offset_minutes(hall.timezone),
    }
    if credentials is not None:
        if credentials.get("hall") != hall.id:
            raise ProvisionError(f"the credentials file is for hall {credentials.get('hall')!r}, "
                                 f"not {hall.id!r}: run `hallgw mosquitto-config` for this hall")
        mine = credentials.get("devices", {}).get(dev.id)
        if not mine:
            raise ProvisionError(f"the credentials file has no entry for {dev.id!r}: "
                                 "run `hallgw mosquitto-config` again after adding the device")
        cfg["mqtt_user"], cfg["mqtt_password"] = mine["username"], mine["password"]
        if broker_host is None and credentials.get("broker", {}).get("host"):
            cfg["broker_host"] = credentials["broker"]["host"]
        b = credentials.get("broker", {})
        if b.get("tls") and tls:
            cfg["broker_port"] = broker_port or b["tls"]["port"]
            cfg["tls_ca"], cfg["tls_name"] = CA_FILE, b["tls"]["name"]
        elif "port" in b and b["port"] is None:
            raise ProvisionError("the broker has no plain listener ([broker] plain = false): provision with TLS")
        elif broker_port is None and b.get("port"):
            cfg["broker_port"] = b["port"]
    if broker_host is None and not access.reachable_by_devices(cfg["broker_host"]):
        # Defaulted to the gateway's own listener address: a device on Wi-Fi would never connect.
        raise ProvisionError(f"the device cannot reach a broker at {cfg['broker_host']!r}: give --broker-host "
                             "(the gateway's address on the hall Wi-Fi)")
    if dev.role == "display":
        panel = hall.window(dev.window).panel
        cfg["panel"] = f"{panel.width}x{panel.height}"
    if dev.wifi_power_save:
        cfg["wifi_power_save"] = True   # a battery device: firmware/wifi.py leaves modem sleep on
    return cfg


def files_for(cfg: dict, credentials: dict | None) -> dict[str, bytes]:
    """The files besides the firmware a device with this config needs: the hall CA."""
    if "tls_ca" not in cfg:
        return {}
    path = credentials["broker"]["tls"]["ca"]
    try:
        with open(path, "rb") as f:
            return {cfg["tls_ca"]: f.read()}
    except OSError as e:
        raise ProvisionError(f"the hall CA {path} (from the credentials file) cannot be read: {e.strerror}") from None
