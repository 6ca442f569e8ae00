"""The embedded MQTT broker (amqtt), started first when the hall file asks for
it (hall.broker.embedded = true): the zero-install broker of `make run`.

On loopback it is anonymous. Listening beyond this machine (a village station
whose devices reach the Pi over Wi-Fi) it needs logins: the credentials file
given to `hallgw run --mqtt-credentials`, or one made (and kept) in
<data-dir>/broker/credentials.json, in the format `hallctl provision
--credentials` reads. The gateway's own extensions then log in with it too.
There it also listens for TLS on [broker] tls_port (8883) with the hall CA and a
server certificate in <data-dir>/broker/tls (gateway/broker/certs.py), named by
[broker] tls_names (else this machine's host name) and its addresses; with
[broker] plain = false only TLS."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from gateway.broker import access, certs, mosquitto_conf
from gateway.broker.embedded import EmbeddedBroker, Tls, auth_for

ORDER = 10
log = logging.getLogger(__name__)


def create(runtime, options: dict):
    hall = runtime.hall
    b = hall.broker
    if not b.embedded:
        return None
    host, port = options.get("broker_host") or b.host, int(options.get("broker_port") or b.port)
    if access.is_local(host):
        return EmbeddedBroker(host, port)
    folder = Path(options.get("data_dir") or "data") / "broker"
    path = Path(options["mqtt_credentials"]) if options.get("mqtt_credentials") else folder / "credentials.json"
    previous = json.loads(path.read_text()) if path.exists() else None
    creds = mosquitto_conf.credentials(hall, host, port, previous)
    tls = None
    tls_port = b.tls_port if options.get("broker_tls_port") is None else int(options["broker_tls_port"])
    if tls_port:
        hosts = mosquitto_conf.tls_hosts(host, None, b.tls_names)
        made = certs.ensure_apart(folder / "tls", hall.id, hosts)
        creds = mosquitto_conf.with_tls(creds, made, tls_port, hosts[0], b.plain)
        tls = Tls(tls_port, made.cert, made.key, b.plain)
    if creds != previous:
        mosquitto_conf.write_credentials(path, creds)
        log.info("device credentials for the embedded broker: %s (owner read-only)", path)
    options["mqtt_credentials"] = str(path)  # the device plane logs in as the gateway
    return EmbeddedBroker(host, port, auth_for(hall.id, creds, folder), tls)
