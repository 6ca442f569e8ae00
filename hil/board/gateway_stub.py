"""A stand-in for the gateway's device plane, for tests and the heap report:
a paho client (TCP_NODELAY) that records every device message of a hall and
publishes desired state retained. It speaks only the wire contract."""
from __future__ import annotations

import json
import socket
import threading
import time

import paho.mqtt.client as mqtt

from protocols import desired, events, status, topics


class GatewayStub:
    def __init__(self, hall: str, port: int, host: str = "127.0.0.1"):
        self.hall = hall
        self.events: list[dict] = []
        self.availability: dict[str, dict] = {}
        self.state: dict[str, dict] = {}
        self.rev = 0
        self.deaf = False    # True: device events reach no one (a gateway whose intake is down)
        self._lock = threading.Lock()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-stub-{time.monotonic_ns()}")
        c.on_socket_open = lambda cl, ud, sock: sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.on_message = self._on_message
        self.subscribed = threading.Event()   # cleared on each (re)connect until the SUBACK
        c.on_connect = lambda cl, ud, fl, rc, pr: (self.subscribed.clear(),
                                                   cl.subscribe(f"hall/{hall}/device/+/+", 1))
        c.on_subscribe = lambda cl, ud, mid, rcs, pr: self.subscribed.set()
        c.connect(host, port)
        c.loop_start()
        self.client = c
        self.wait(lambda: c.is_connected(), 5, "stub connected")

    def _on_message(self, client, userdata, msg) -> None:
        _, dev, kind = topics.parse(msg.topic)
        with self._lock:
            if kind == topics.EVENT:
                if not self.deaf:
                    self.events.append(events.decode(msg.payload))
            elif kind == topics.AVAILABILITY and msg.payload:
                self.availability[dev] = status.decode_availability(msg.payload)
            elif kind == topics.STATE and msg.payload:
                self.state[dev] = status.decode_state(msg.payload)

    def publish_desired(self, dev: str, d: dict) -> int:
        with self._lock:   # several boards' days publish at once: each its own rev
            self.rev += 1
            rev = self.rev
        raw = desired.encode(dict(d, rev=rev))
        self.client.publish(topics.desired(self.hall, dev), raw, qos=1, retain=True).wait_for_publish(5)
        return rev

    def publish_raw(self, dev: str, payload: bytes) -> None:
        self.client.publish(topics.desired(self.hall, dev), payload, qos=1, retain=True).wait_for_publish(5)

    def clear(self, dev: str) -> None:
        """Delete the device's retained messages, so the next test on the same
        broker starts from nothing."""
        for kind in (topics.DESIRED, topics.STATE, topics.AVAILABILITY):
            self.client.publish(topics.device(self.hall, dev, kind), b"", qos=1, retain=True).wait_for_publish(5)

    def events_of(self, dev: str, kind: str | None = None) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e["dev"] == dev
                    and (kind is None or e.get("action") == kind or e["type"] == kind)]

    def online(self, dev: str) -> bool:
        a = self.availability.get(dev)
        return bool(a and a["online"])

    @staticmethod
    def wait(pred, timeout: float, what: str):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = pred()
            if v:
                return v
            time.sleep(0.01)
        raise TimeoutError(f"timed out waiting for {what}")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def dumps(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False)
