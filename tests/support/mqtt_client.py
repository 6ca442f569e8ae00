"""A paho client for broker tests: connect (reporting refusal), subscribe,
publish and keep what arrives."""
from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt


class Client:
    def __init__(self, port, user, password, client_id=None):
        self.got = []
        self.connected = threading.Event()
        self.rc = None
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{user}-{time.monotonic_ns()}")
        if user:
            self.c.username_pw_set(user, password)
        self.c.on_connect = self._on_connect
        self.c.on_message = lambda c, u, m: self.got.append((m.topic, m.payload))
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def _on_connect(self, c, u, flags, rc, props):
        self.rc = rc
        self.connected.set()

    def ok(self):
        assert self.connected.wait(5)
        return not self.rc.is_failure

    def sub(self, topic):
        r = threading.Event()
        self.c.on_subscribe = lambda *a: r.set()
        self.c.subscribe(topic, 1)
        assert r.wait(5)

    def pub(self, topic, payload, retain=False):
        self.c.publish(topic, payload, 1, retain=retain).wait_for_publish(5)

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def wait_for(pred, timeout=20.0):
    """Wait for a condition; the limit is generous because `make test` runs workers side by side."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def check_devices_keep_to_their_own_topics(port: int, creds: dict, hall_id: str, pad_filters: list[str]) -> None:
    """The same confinement through either broker: s1-pad cannot publish as s2-pad or
    forge its own desired state, and reads only its own desired state (subscribing
    with pad_filters: Mosquitto filters a wildcard, amqtt refuses it)."""
    h = hall_id
    gw = Client(port, "hallgw", creds["gateway"]["password"])
    assert gw.ok()
    gw.sub(f"hall/{h}/device/+/+")
    pad = Client(port, "s1-pad", creds["devices"]["s1-pad"]["password"])
    assert pad.ok()
    pad.pub(f"hall/{h}/device/s1-pad/event", b"own")
    pad.pub(f"hall/{h}/device/s2-pad/event", b"spoofed")  # publishing as another device
    pad.pub(f"hall/{h}/device/s1-pad/desired", b"forged", retain=True)
    assert wait_for(lambda: (f"hall/{h}/device/s1-pad/event", b"own") in gw.got)
    time.sleep(0.3)
    payloads = [p for _, p in gw.got]
    assert b"spoofed" not in payloads and b"forged" not in payloads
    gw.pub(f"hall/{h}/device/s1-pad/desired", b"mine", retain=True)
    gw.pub(f"hall/{h}/device/s2-pad/desired", b"theirs", retain=True)
    for f in pad_filters:
        pad.sub(f)
    assert wait_for(lambda: (f"hall/{h}/device/s1-pad/desired", b"mine") in pad.got)
    time.sleep(0.3)
    assert all(p != b"theirs" for _, p in pad.got)
    # A pad that (re)boots while the retained states are there, as every device
    # does, gets its own desired state on subscribing and nothing else at all.
    again = Client(port, "s1-pad", creds["devices"]["s1-pad"]["password"])
    assert again.ok()
    time.sleep(0.3)
    assert again.got == []
    for f in pad_filters:
        again.sub(f)
    assert wait_for(lambda: again.got)
    time.sleep(0.3)
    assert again.got == [(f"hall/{h}/device/s1-pad/desired", b"mine")]
    for c in (gw, pad, again):
        c.close()
