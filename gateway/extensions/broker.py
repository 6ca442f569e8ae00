"""The embedded MQTT broker (amqtt), started first when the hall file asks for
it (hall.broker.embedded = true): the zero-install broker of `make run`."""
from __future__ import annotations

from gateway.broker.embedded import EmbeddedBroker

ORDER = 10


def create(runtime, options: dict):
    b = runtime.hall.broker
    if not b.embedded:
        return None
    return EmbeddedBroker(options.get("broker_host") or b.host, int(options.get("broker_port") or b.port))
