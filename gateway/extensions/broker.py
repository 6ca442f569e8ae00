"""The embedded MQTT broker (amqtt), when the hall file asks for it (hall.broker.embedded =
true): the zero-install broker of `make run`, started before its clients (they WANT its port).

On loopback it is anonymous. Listening beyond this machine (a village station
whose devices reach the Pi over Wi-Fi) it needs logins: the credentials file
given to `hallgw run --mqtt-credentials`, or one made (and kept) in
<data-dir>/broker/credentials.json, in the format `hallctl provision
--credentials` reads.
There it also listens for TLS on [broker] tls_port (8883) with the hall CA and a
server certificate in <data-dir>/broker/tls (gateway/broker/certs.py), named by
[broker] tls_names (else this machine's host name) and its addresses; with
[broker] plain = false only TLS. That credentials file is the BROKER_CREDENTIALS port: the
gateway's own MQTT clients (device plane, tiers, Pi-attached parts) log in with it."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from gateway.broker import access, certs, mosquitto_conf
from gateway.broker.embedded import EmbeddedBroker, Tls, auth_for
from gateway.extensions.context import Context
from gateway.extensions.ports import BROKER_CREDENTIALS

PROVIDES = {BROKER_CREDENTIALS: lambda broker: broker.credentials}
log = logging.getLogger(__name__)


class Broker:
    """The embedded broker, and the credentials file its logins are in (None: anonymous, on loopback)."""

    def __init__(self, embedded: EmbeddedBroker, credentials: Path | None = None):
        self.embedded, self.credentials = embedded, credentials

    def start(self) -> None:
        self.embedded.start()

    def stop(self) -> None:
        self.embedded.stop()


def create(ctx: Context):
    hall = ctx.hall
    b = hall.broker
    if not b.embedded:
        return None
    host, port = ctx.broker_host, ctx.broker_port
    if access.is_local(host):
        return Broker(EmbeddedBroker(host, port))
    folder = ctx.data_dir / "broker"
    path = ctx.settings.mqtt_credentials or folder / "credentials.json"
    previous = json.loads(path.read_text()) if path.exists() else None
    creds = mosquitto_conf.credentials(hall, host, port, previous)
    tls = None
    tls_port = b.tls_port if ctx.settings.broker_tls_port is None else int(ctx.settings.broker_tls_port)
    if tls_port:
        hosts = mosquitto_conf.tls_hosts(host, None, b.tls_names)
        made = certs.ensure_apart(folder / "tls", hall.id, hosts)
        creds = mosquitto_conf.with_tls(creds, made, tls_port, hosts[0], b.plain)
        tls = Tls(tls_port, made.cert, made.key, b.plain)
    if creds != previous:
        mosquitto_conf.write_credentials(path, creds)
        log.info("device credentials for the embedded broker: %s (owner read-only)", path)
    return Broker(EmbeddedBroker(host, port, auth_for(hall.id, creds, folder), tls), Path(path))
