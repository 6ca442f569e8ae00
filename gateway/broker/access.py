"""Who may use which topics, the same rule for both brokers: the gateway reads
and writes the hall's topics; a device (user name = device id) publishes only
its own event, state and availability and subscribes only to its own desired
state. Mosquitto gets it as an ACL file (mosquitto_conf.py); the embedded amqtt
broker as per-user lists, with an argon2 password file (embedded.py)."""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from protocols import topics


def is_local(host: str) -> bool:
    """A listener only this machine can reach (loopback)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def reachable_by_devices(host: str | None) -> bool:
    """Whether a device on the hall's Wi-Fi could connect to this address."""
    if not host or is_local(host):
        return False
    try:
        return not ipaddress.ip_address(host).is_unspecified   # 0.0.0.0 / :: listen everywhere
    except ValueError:
        return True   # a host name


def topic_lists(hall_id: str, creds: dict) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(publish, subscribe): user name -> the topic filters allowed."""
    gw = creds["gateway"]["username"]
    everything = [f"{topics.ROOT}/{hall_id}/#"]
    publish, subscribe = {gw: everything}, {gw: everything}
    for dev, c in creds["devices"].items():
        publish[c["username"]] = [topics.event(hall_id, dev), topics.state(hall_id, dev),
                                  topics.availability(hall_id, dev)]
        subscribe[c["username"]] = [topics.desired(hall_id, dev)]
    return publish, subscribe


def argon2_password_file(creds: dict, path: Path) -> Path:
    """amqtt's password file. The passwords are 20 random characters, so a cheap
    argon2 setting is plenty and a broker restart with 180 devices logging in
    again does not stall the Pi."""
    from pwdlib.hashers.argon2 import Argon2Hasher

    hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    users = [creds["gateway"]] + list(creds["devices"].values())
    text = "".join(f"{u['username']}:{hasher.hash(u['password'])}\n" for u in users)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return path
