import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def publish_retained(port, topic, payload):
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.connect("127.0.0.1", port)
    c.loop_start()
    c.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()


def first_messages(port, topic_filter):
    """What a fresh subscriber gets at once: the retained messages."""
    got = []
    s = mqtt.Client(CallbackAPIVersion.VERSION2)
    s.on_message = lambda cl, ud, m: got.append((m.topic, m.payload, m.retain))
    s.connect("127.0.0.1", port)
    s.subscribe(topic_filter, qos=1)
    s.loop_start()
    for _ in range(100):
        if got:
            break
        time.sleep(0.02)
    s.loop_stop()
    return got


def test_broker_relays_retained(mosquitto):
    publish_retained(mosquitto.port, "hall/x/gateway/availability", b'{"v":1,"online":true}')
    assert first_messages(mosquitto.port, "hall/x/#") == \
        [("hall/x/gateway/availability", b'{"v":1,"online":true}', True)]


def test_retained_survives_a_restart(mosquitto):
    publish_retained(mosquitto.port, "hall/x/device/d/desired", b'{"v":1}')
    mosquitto.restart()
    assert first_messages(mosquitto.port, "hall/x/#") == [("hall/x/device/d/desired", b'{"v":1}', True)], \
        mosquitto.log()
    assert "Error saving" not in mosquitto.log()
