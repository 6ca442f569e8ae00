"""One attached part as the device of the hall file it stands in for, on MQTT like the
firmware: its own login (from the broker's credentials.json), a retained availability with
a last will, its desired state (retained) received and checked by protocols.desired, its
key presses sent as events with a boot id and sequence (QoS 1), so the gateway applies
each once, as it does a pad's."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt

from gateway.devices.link import nodelay
from protocols import desired, events, identity, status, topics

log = logging.getLogger("hallgw.attached")


class DeviceLink:
    def __init__(self, hall_id: str, dev: str, host: str, port: int, login: dict | None = None,
                 on_desired: Callable[[dict], None] | None = None, on_link: Callable[[bool], None] | None = None):
        self.hall_id, self.dev, self.host, self.port = hall_id, dev, host, port
        self.on_desired, self.on_link = on_desired, on_link
        self.seq = identity.Sequence()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pi-{dev}")
        if login:
            c.username_pw_set(login["username"], login["password"])
        c.will_set(topics.availability(hall_id, dev), status.availability(False), qos=1, retain=True)
        c.reconnect_delay_set(min_delay=1, max_delay=30)
        c.on_socket_open = lambda client, userdata, sock: nodelay(sock)
        c.on_connect = self._connected
        c.on_disconnect = self._disconnected
        c.on_message = self._message
        self.client = c

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=15)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.publish(topics.availability(self.hall_id, self.dev), status.availability(False), qos=1,
                            retain=True)
        self.client.disconnect()
        self.client.loop_stop()

    def press(self, key: str, **fields) -> None:
        e = events.action(self.dev, self.seq.boot, self.seq.next(), int(time.time()), key, **fields)
        self.client.publish(topics.event(self.hall_id, self.dev), events.encode(e), qos=1)

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("%s: broker %s:%d refused the login: %s", self.dev, self.host, self.port, reason_code)
            return
        client.publish(topics.availability(self.hall_id, self.dev), status.availability(True, self.seq.boot),
                       qos=1, retain=True)
        if self.on_desired is not None:
            client.subscribe(topics.desired(self.hall_id, self.dev), 1)
        if self.on_link:
            self.on_link(True)

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        if self.on_link:
            self.on_link(False)

    def _message(self, client, userdata, msg) -> None:
        try:
            d = desired.decode(msg.payload)
        except ValueError as e:
            log.warning("%s: desired state dropped: %s", self.dev, e)
            return
        try:
            self.on_desired(d)
        except Exception:
            log.exception("%s: desired state could not be shown", self.dev)
