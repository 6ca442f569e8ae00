"""The embedded broker: amqtt in its own thread with its own asyncio loop, so
`make run` needs no Mosquitto. On loopback (the emulated hall, a bench) it is
anonymous. Given credentials (a village station whose few devices reach the
Pi over Wi-Fi) every client logs in and each device is confined to its own
topics, as under `hallgw mosquitto-config`; a larger hall runs Mosquitto.

amqtt takes a TLS listener (Python's ssl with the broker's certificate and key),
so the embedded broker offers the same TLS port as Mosquitto, with the same hall
CA and server certificate (gateway/broker/certs.py), and can leave its plain
listener out. What amqtt does not have: a TLS version floor of its own (Python's
default context: TLS 1.2 and up, as tls_version tlsv1.2 in Mosquitto) and per
listener settings (one password file and ACL for both)."""
from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from gateway.broker import access

log = logging.getLogger(__name__)
# amqtt logs every state-machine step of every session at INFO (through the
# `transitions` library): hundreds of lines a minute in a busy hall.
for _noisy in ("transitions", "amqtt"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


@dataclass(frozen=True)
class Auth:
    password_file: Path
    publish: dict[str, list[str]]    # user -> topic filters it may publish to
    subscribe: dict[str, list[str]]  # user -> topic filters it may subscribe to


def auth_for(hall_id: str, creds: dict, folder: Path) -> Auth:
    publish, subscribe = access.topic_lists(hall_id, creds)
    return Auth(access.argon2_password_file(creds, Path(folder) / "amqtt-passwd"), publish, subscribe)


@dataclass(frozen=True)
class Tls:
    port: int
    cert: Path
    key: Path
    plain: bool = True  # False: no plain listener (the gateway, too, connects over TLS)


def config(host: str, port: int, auth: Auth | None = None, tls: Tls | None = None) -> dict:
    # Only the plugins named here: amqtt's default set adds $SYS publishing and
    # per-packet logging, which a hall gateway does not want.
    if auth is None:
        plugins = {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}}
    else:
        plugins = {"amqtt.plugins.authentication.FileAuthPlugin": {"password_file": str(auth.password_file)},
                   "amqtt.plugins.topic_checking.TopicAccessControlListPlugin": {
                       "publish_acl": auth.publish, "acl": auth.subscribe}}  # amqtt 0.12 calls it acl
    # "default" is required; without a bind it listens nowhere and only lends its settings.
    listeners: dict = {"default": {"type": "tcp", "bind": f"{host}:{port}" if tls is None or tls.plain else None,
                                   "max_connections": 0}}
    if tls is not None:
        listeners["tls"] = {"type": "tcp", "bind": f"{host}:{tls.port}", "max_connections": 0, "ssl": True,
                            "certfile": str(tls.cert), "keyfile": str(tls.key)}
    return {
        "listeners": listeners,
        "timeout_disconnect_delay": 0,
        "plugins": plugins,
    }


def _broker_class():
    from amqtt.broker import Broker

    class HallBroker(Broker):
        """amqtt 0.12.1 sends a connecting client the retained messages of every
        filter any client subscribed to (it loops over the broker's subscriptions,
        not the session's), and without the topic ACL: each device got every other
        device's desired state and all states at every (re)connect. Only a filter
        this session holds gets its retained messages."""

        async def _publish_retained_messages_for_subscription(self, subscription, session) -> None:
            if any(s is session for s, _ in self._subscriptions.get(subscription[0], ())):
                await super()._publish_retained_messages_for_subscription(subscription, session)

    return HallBroker


class EmbeddedBroker:
    def __init__(self, host: str = "127.0.0.1", port: int = 1883, auth: Auth | None = None, tls: Tls | None = None):
        if auth is None and not access.is_local(host):
            raise ValueError(f"the embedded broker listens on {host}, beyond this machine: it needs device "
                             "credentials (hallgw run makes them in <data-dir>/broker/)")
        self.host, self.port, self.auth, self.tls = host, port, auth, tls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._broker = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> EmbeddedBroker:
        self._thread = threading.Thread(target=self._run, name="embedded-broker", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"embedded broker did not start on {self.host}:{self.port}")
        if self._error:
            raise RuntimeError(f"embedded broker could not start on {self.host}:{self.port}: {self._error}")
        log.info("embedded MQTT broker (amqtt) listening on %s:%d%s, %s", self.host, self.port,
                 f" and TLS on {self.tls.port}" + ("" if self.tls.plain else " only") if self.tls else "",
                 "devices log in, each confined to its own topics" if self.auth else "anonymous (loopback)")
        return self

    def _run(self) -> None:
        Broker = _broker_class()
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._broker = Broker(config(self.host, self.port, self.auth, self.tls), loop=loop)
            loop.run_until_complete(self._broker.start())
        except BaseException as e:  # report any start failure to start(), not to a dead thread
            self._error = e
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.close()

    def stop(self) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or broker is None or self._error or not loop.is_running():
            return
        fut = asyncio.run_coroutine_threadsafe(broker.shutdown(), loop)
        try:
            fut.result(10)
        except Exception:
            log.exception("embedded broker did not shut down cleanly")
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(10)

    def listening(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
