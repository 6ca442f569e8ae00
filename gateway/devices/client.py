"""A device's side of the wire contract on paho: sends events with its boot id
and sequence, reports availability and state, and keeps the desired state the
gateway publishes for it. For the benchmark, integration tests and a
maintainer's bench check of a hall without its hardware."""
from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt

from gateway.devices.link import nodelay
from protocols import events, identity, status, topics


class DeviceClient:
    def __init__(self, hall_id: str, dev: str, host: str, port: int, role: str = "callpad",
                 username: str | None = None, password: str | None = None, boot: str | None = None):
        self.hall_id, self.dev, self.role = hall_id, dev, role
        self.ids = identity.Sequence(boot)
        self.desired: dict | None = None
        self.desired_at = 0.0  # perf_counter when the last desired state arrived
        self.changed = threading.Condition()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{dev}-{self.ids.boot}")
        if username:
            c.username_pw_set(username, password)
        c.will_set(topics.availability(hall_id, dev), status.availability(False), qos=1, retain=True)
        c.on_socket_open = lambda client, userdata, sock: nodelay(sock)
        c.on_message = self._message
        self._subscribed = threading.Event()
        c.on_subscribe = lambda *a: self._subscribed.set()
        c.on_connect = self._connected
        self.client = c
        c.connect(host, port, keepalive=30)
        c.loop_start()
        if not self._subscribed.wait(10):
            raise TimeoutError(f"{dev} could not subscribe to its desired state")

    def _connected(self, client, userdata, flags, rc, props):
        client.subscribe(topics.desired(self.hall_id, self.dev), 1)
        client.publish(topics.availability(self.hall_id, self.dev), status.availability(True, self.ids.boot),
                       qos=1, retain=True)

    def _message(self, client, userdata, msg):
        with self.changed:
            self.desired = json.loads(msg.payload)
            self.desired_at = time.perf_counter()
            self.changed.notify_all()

    def send(self, e: dict) -> dict:
        self.client.publish(topics.event(self.hall_id, self.dev), events.encode(e), qos=1)
        return e

    def action(self, name: str, **fields) -> dict:
        return self.send(events.action(self.dev, self.ids.boot, self.ids.next(), int(time.time()), name, **fields))

    def rate(self, prompt: str, level: int, reasons=None) -> dict:
        now = int(time.time())
        return self.send(events.rating(self.dev, self.ids.boot, self.ids.next(), now, prompt, level, now, reasons))

    def report(self, fw: str = "0.1.0", rev: int = 0, **extra) -> None:
        st = {"dev": self.dev, "boot": self.ids.boot, "role": self.role, "fw": fw, "uptime": 1, "rev": rev, **extra}
        self.client.publish(topics.state(self.hall_id, self.dev), status.encode_state(st), qos=1, retain=True)

    def wait(self, pred, timeout: float = 5.0) -> dict:
        """Block until the desired state satisfies pred; return it."""
        end = time.monotonic() + timeout
        with self.changed:
            while not (self.desired is not None and pred(self.desired)):
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.dev}: desired state never matched; last {self.desired}")
                self.changed.wait(left)
            return self.desired

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
