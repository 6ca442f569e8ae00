import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def test_broker_relays_retained(mosquitto):
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.connect("127.0.0.1", mosquitto.port)
    c.loop_start()
    c.publish("hall/x/gateway/availability", b'{"v":1,"online":true}', qos=1, retain=True).wait_for_publish(5)
    got = []
    s = mqtt.Client(CallbackAPIVersion.VERSION2)
    s.on_message = lambda cl, ud, m: got.append((m.topic, m.retain))
    s.connect("127.0.0.1", mosquitto.port)
    s.subscribe("hall/x/#", qos=1)
    s.loop_start()
    import time
    for _ in range(100):
        if got:
            break
        time.sleep(0.02)
    c.loop_stop()
    s.loop_stop()
    assert got == [("hall/x/gateway/availability", True)]


def test_retained_survives_a_restart(mosquitto):
    import time

    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.connect("127.0.0.1", mosquitto.port)
    c.loop_start()
    c.publish("hall/x/device/d/desired", b'{"v":1}', qos=1, retain=True).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()
    mosquitto.restart()
    got = []
    s = mqtt.Client(CallbackAPIVersion.VERSION2)
    s.on_message = lambda cl, ud, m: got.append(m.payload)
    s.connect("127.0.0.1", mosquitto.port)
    s.subscribe("hall/x/#", qos=1)
    s.loop_start()
    for _ in range(100):
        if got:
            break
        time.sleep(0.02)
    s.loop_stop()
    assert got == [b'{"v":1}'], mosquitto.log()
    assert "Error saving" not in mosquitto.log()
