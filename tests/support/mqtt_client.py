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


def own_last(filters: list[str], dev: str) -> list[str]:
    """The device's own filter subscribed last: each subscription's retained messages are sent
    before the next is taken (amqtt) or at once on SUBACK (Mosquitto), so what the device must not
    get would come before what it waits for."""
    return sorted(filters, key=lambda f: f"/{dev}/" in f)


def check_devices_keep_to_their_own_topics(port: int, creds: dict, hall_id: str, pad_filters: list[str]) -> None:
    """The same confinement through either broker: s1-pad cannot publish as s2-pad or
    forge its own desired state, and reads only its own desired state (subscribing
    with pad_filters: Mosquitto filters a wildcard, amqtt refuses it).

    Every "did not arrive" waits on a barrier, never a sleep: a message that must arrive after
    the one that must not (a broker passes one client's messages on in the order they came), so
    on a slow machine the check still looks at what a lenient broker would have passed."""
    h = hall_id
    made: list[Client] = []

    def client(user: str, password: str) -> Client:
        made.append(Client(port, user, password))
        return made[-1]
    try:
        _confined(h, creds, pad_filters, client)
    finally:
        for c in made:
            c.close()


def _confined(h: str, creds: dict, pad_filters: list[str], client) -> None:
    gw = client("hallgw", creds["gateway"]["password"])
    assert gw.ok()
    gw.sub(f"hall/{h}/device/+/+")
    pad = client("s1-pad", creds["devices"]["s1-pad"]["password"])
    assert pad.ok()
    pad.pub(f"hall/{h}/device/s2-pad/event", b"spoofed")  # publishing as another device
    pad.pub(f"hall/{h}/device/s1-pad/desired", b"forged", retain=True)
    pad.pub(f"hall/{h}/device/s1-pad/event", b"own")  # the barrier: sent after both
    assert wait_for(lambda: (f"hall/{h}/device/s1-pad/event", b"own") in gw.got)
    payloads = [p for _, p in gw.got]
    assert b"spoofed" not in payloads, "s1-pad's publish as s2-pad came through"
    assert b"forged" not in payloads, "s1-pad's forged desired state came through"
    gw.pub(f"hall/{h}/device/s1-pad/desired", b"mine", retain=True)
    gw.pub(f"hall/{h}/device/s2-pad/desired", b"theirs", retain=True)
    for f in own_last(pad_filters, "s1-pad"):
        pad.sub(f)
    gw.pub(f"hall/{h}/device/s1-pad/desired", b"mine, later", retain=True)  # the barrier: after the subscriptions
    assert wait_for(lambda: (f"hall/{h}/device/s1-pad/desired", b"mine, later") in pad.got)
    assert pad.got == [(f"hall/{h}/device/s1-pad/desired", b"mine"), (f"hall/{h}/device/s1-pad/desired", b"mine, later")]
    # A pad that (re)boots while the retained states are there, as every device
    # does, gets its own desired state on subscribing and nothing else at all
    # (nothing before it subscribes, either: that would come before the barrier too).
    again = client("s1-pad", creds["devices"]["s1-pad"]["password"])
    assert again.ok()
    for f in own_last(pad_filters, "s1-pad"):
        again.sub(f)
    gw.pub(f"hall/{h}/device/s1-pad/desired", b"mine, again", retain=True)
    assert wait_for(lambda: (f"hall/{h}/device/s1-pad/desired", b"mine, again") in again.got)
    assert again.got == [(f"hall/{h}/device/s1-pad/desired", b"mine, later"),
                         (f"hall/{h}/device/s1-pad/desired", b"mine, again")]
