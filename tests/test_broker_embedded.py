"""The embedded amqtt broker: starts in its own thread, relays QoS 1 and
retained messages, stops cleanly, and reports a port it cannot bind."""
import socket
import threading

import paho.mqtt.client as mqtt
import pytest

from gateway.broker.embedded import EmbeddedBroker
from mosquitto import free_port


def test_relays_retained_qos1_and_stops():
    port = free_port()
    with EmbeddedBroker("127.0.0.1", port) as b:
        assert b.listening()
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        pub.connect("127.0.0.1", port)
        pub.loop_start()
        pub.publish("hall/x/device/d/desired", b"retained", 1, retain=True).wait_for_publish(5)
        got = threading.Event()
        sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        sub.on_message = lambda c, u, m: m.payload == b"retained" and m.retain and got.set()
        sub.on_connect = lambda c, u, f, rc, p: c.subscribe("hall/x/#", 1)
        sub.connect("127.0.0.1", port)
        sub.loop_start()
        assert got.wait(5)
        for c in (pub, sub):
            c.disconnect()
            c.loop_stop()
    assert not b.listening()


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"could not start on 127.0.0.1:{port}"):
            EmbeddedBroker("127.0.0.1", port).start()
