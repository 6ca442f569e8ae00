"""Production Mosquitto configuration for a hall: mosquitto.conf, a password
file with one generated credential per device and for the gateway, an ACL
that confines every device to its own topics, and a credentials file (owner
read-only) the maintenance tool reads when provisioning a device.

Running it again keeps the credentials already issued, so devices in the
field keep working; new devices get new ones, removed devices lose theirs.

With a TLS port (the hall file's [broker] tls_port, 8883 unless 0) it also writes a
TLS listener with the hall CA and a server certificate (tls/, gateway/broker/certs.py)
and tells provisioning (credentials.json broker.tls) the port, the CA and the name the
devices check; with [broker] plain = false the plain listener goes, and the gateway
connects over TLS as well."""
from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from gateway import secretfile
from gateway.broker import access, bridge, certs
from gateway.broker.passwords import hash_entry, new_password
from gateway.config import Hall

GATEWAY_USER = "hallgw"


@dataclass(frozen=True)
class Files:
    conf: Path
    passwd: Path
    acl: Path
    credentials: Path


def conf_text(hall: Hall, out: Path, host: str, port: int, persistence: Path, run_as: str | None = None,
              plain: bool = True) -> str:
    return "\n".join([
        f"# Mosquitto for {hall.name} ({hall.id}); written by `hallgw mosquitto-config`.",
        # Started as root, Mosquitto drops to this user before reading the password file.
        *([f"user {run_as}"] if run_as else []),
        "per_listener_settings false",
        *([f"listener {port} {host}"] if plain else ["# No plain listener: devices and the gateway use TLS."]),
        "# Without it every small publish waits for a delayed ACK (Nagle): 40-90 ms a hop.",
        "set_tcp_nodelay true",
        "allow_anonymous false",
        f"password_file {out / 'passwd'}",
        f"acl_file {out / 'acl'}",
        "# QoS 1 events queued for the gateway's persistent session survive a broker restart.",
        "persistence true",
        f"persistence_location {persistence}/",
        "autosave_interval 60",
        "max_queued_messages 10000",
        "",
    ])


def acl_text(hall: Hall) -> str:
    h = hall.id
    return "\n".join([
        f"# {hall.id}: the gateway reads and writes the hall's topics; each device",
        "# (user name = device id) publishes only its own event, state and availability",
        "# (its last will) and reads only its own desired state.",
        f"user {GATEWAY_USER}",
        f"topic readwrite hall/{h}/#",
        "",
        f"pattern write hall/{h}/device/%u/event",
        f"pattern write hall/{h}/device/%u/state",
        f"pattern write hall/{h}/device/%u/availability",
        f"pattern read hall/{h}/device/%u/desired",
        "",
    ])


def tls_listener_text(files: certs.Files, host: str, port: int) -> str:
    """The devices' TLS listener: the broker's certificate from the hall CA; the devices
    check it against the CA and their broker's name (firmware/mqtt.py)."""
    return "\n".join([
        f"# TLS for the devices on the hall Wi-Fi: server certificate from the hall CA ({files.ca_pem.name}).",
        f"listener {port} {host}",
        f"cafile {files.ca_pem}",
        f"certfile {files.cert}",
        f"keyfile {files.key}",
        "tls_version tlsv1.2",
        "",
    ])


def tls_hosts(host: str, device_host: str | None, names: tuple[str, ...]) -> list[str]:
    """What the server certificate names: the names (the first is the one devices check),
    the devices' address, the listener's when devices reach it, and loopback (the gateway)."""
    first = list(names) or [socket.gethostname()]
    reach = [h for h in (device_host, host) if h and access.reachable_by_devices(h)]
    return list(dict.fromkeys(first + reach + ["127.0.0.1", "localhost"]))


def with_tls(creds: dict, files: certs.Files, port: int, name: str, plain: bool) -> dict:
    """credentials.json with what provisioning and the gateway need for TLS."""
    out = {**creds, "broker": {**creds["broker"], "tls": {"port": port, "name": name, "ca": str(files.ca_der),
                                                          "ca_pem": str(files.ca_pem)}}}
    if not plain:
        out["broker"]["port"] = None
    return out


def credentials(hall: Hall, host: str, port: int, previous: dict | None = None,
                device_host: str | None = None) -> dict:
    """broker.host is where devices connect: device_host, else the listener when a
    device could reach it (not loopback, not 0.0.0.0), else None and the maintainer
    names it when provisioning (hallctl --broker-host)."""
    ids = [d.id for d in hall.devices]
    if GATEWAY_USER in ids:
        raise ValueError(f"device id {GATEWAY_USER!r} is the gateway's broker user name; rename the device")
    old = (previous or {}) if (previous or {}).get("hall") == hall.id else {}
    old_devices = old.get("devices", {})
    return {
        "hall": hall.id,
        "broker": {"host": device_host or (host if access.reachable_by_devices(host) else None), "port": port},
        "gateway": old.get("gateway") or {"username": GATEWAY_USER, "password": new_password()},
        "devices": {i: old_devices.get(i) or {"username": i, "password": new_password()} for i in ids},
    }


def write_credentials(path: Path, creds: dict) -> None:
    # Clear-text passwords: readable by its owner only, created that way (never briefly wider).
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    _write(Path(path), json.dumps(creds, indent=2, ensure_ascii=False) + "\n", 0o600)


def write(hall: Hall, out: Path, host: str | None = None, port: int | None = None,
          persistence: Path | None = None, run_as: str | None = None, device_host: str | None = None,
          tls_port: int | None = None, plain: bool | None = None, tls_names: tuple[str, ...] | None = None
          ) -> Files:
    """tls_port, plain, tls_names: default the hall file's [broker]; tls_port 0 writes no TLS."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    host = host or hall.broker.host
    port = port or hall.broker.port
    tls_port = hall.broker.tls_port if tls_port is None else tls_port
    plain = hall.broker.plain if plain is None else plain
    if not tls_port and not plain:
        raise ValueError("without the plain listener there must be a TLS port")
    persistence = Path(persistence or "/var/lib/mosquitto").resolve()
    files = Files(out / "mosquitto.conf", out / "passwd", out / "acl", out / "credentials.json")
    previous = json.loads(files.credentials.read_text()) if files.credentials.exists() else None
    creds = credentials(hall, host, port, previous, device_host)
    tls_text = ""
    if tls_port:
        hosts = tls_hosts(host, device_host, tls_names if tls_names is not None else hall.broker.tls_names)
        made = certs.ensure(out / "tls", hall.id, hosts)
        _own_key(made.key, run_as or "mosquitto")
        tls_text = tls_listener_text(made, host, tls_port)
        creds = with_tls(creds, made, tls_port, hosts[0], plain)
    users = [creds["gateway"]] + list(creds["devices"].values()) + bridge.child_users(hall)
    # Hashes, but still nobody else's business: readable by the broker's group only.
    _write(files.passwd, "".join(hash_entry(u["username"], u["password"]) + "\n" for u in users), 0o640)
    _share_with(files.passwd, run_as or "mosquitto")
    _write(files.acl, acl_text(hall) + bridge.acl_text(hall, GATEWAY_USER), 0o644)
    # The tiers (gateway/broker/bridge.py): the bridge to the parent holds its password: owner only.
    tiers = bridge.listener_text(hall) + bridge.bridge_text(hall)
    _write(files.conf, conf_text(hall, out, host, port, persistence, run_as, plain) + tls_text + tiers,
           0o640 if tiers else 0o644)
    if tiers:
        _share_with(files.conf, run_as or "mosquitto")
    write_credentials(files.credentials, creds)
    return files


def _share_with(path: Path, user: str) -> None:
    """Give the broker's user (Mosquitto drops to it before reading the file) read access."""
    import grp
    import pwd

    if os.geteuid() != 0:
        return  # the file is ours, and so is a broker we start
    try:
        gid = pwd.getpwnam(user).pw_gid
    except KeyError:
        try:
            gid = grp.getgrnam(user).gr_gid
        except KeyError:
            os.chmod(path, 0o644)  # no such user here: let whoever runs the broker read it
            return
    os.chown(path, 0, gid)


def _own_key(path: Path, user: str) -> None:
    """The server key stays 0600, owned by the user Mosquitto drops to (it reads it after)."""
    import pwd

    if os.geteuid() != 0:
        return
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return  # no such user here: root runs the broker itself
    os.chown(path, pw.pw_uid, pw.pw_gid)


def _write(path: Path, text: str, mode: int) -> None:
    secretfile.write(path, text.encode(), mode)
