"""The embedded amqtt broker: starts in its own thread, relays QoS 1 and
retained messages, stops cleanly, reports a port it cannot bind, and with
credentials confines each device to its own topics as Mosquitto does."""
import json
import os
import socket
import stat
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from gateway.broker import mosquitto_conf
from gateway.broker.embedded import EmbeddedBroker, auth_for
from gateway.config import load_file
from gateway.extensions import broker as broker_ext
from gateway.extensions.ports import BROKER_CREDENTIALS
from tests.support import ROOT
from tests.support.context import context
from tests.support.mosquitto import free_port
from tests.support.mqtt_client import Client, check_devices_keep_to_their_own_topics, wait_for

VILLAGE = load_file(ROOT / "hall_config" / "village.toml")
H = VILLAGE.id


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


def test_a_new_client_gets_only_the_retained_messages_of_its_own_subscriptions():
    port = free_port()
    with EmbeddedBroker("127.0.0.1", port):
        gw = Client(port, None, None)
        assert gw.ok()
        gw.sub("hall/x/device/+/state")
        for dev in ("a", "b"):
            gw.pub(f"hall/x/device/{dev}/desired", dev.encode(), retain=True)
            gw.pub(f"hall/x/device/{dev}/state", dev.encode(), retain=True)
        gw.pub("hall/x/end", b"end", retain=True)
        dev = Client(port, None, None)   # a device booting while all that is retained
        assert dev.ok()
        dev.sub("hall/x/device/a/desired")
        # The barrier: a second subscription, taken only once the first one's retained messages
        # are out; anything more for the first (or sent before any subscription) came before it.
        dev.sub("hall/x/end")
        assert wait_for(lambda: ("hall/x/end", b"end") in dev.got)
        assert dev.got == [("hall/x/device/a/desired", b"a"), ("hall/x/end", b"end")]
        for c in (gw, dev):
            c.close()


def test_a_taken_port_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"could not start on 127.0.0.1:{port}"):
            EmbeddedBroker("127.0.0.1", port).start()


def village_creds():
    return mosquitto_conf.credentials(VILLAGE, "192.168.10.2", 1883)


def test_with_credentials_devices_log_in_and_keep_to_their_own_topics(tmp_path):
    creds = village_creds()
    port = free_port()
    with EmbeddedBroker("127.0.0.1", port, auth_for(H, creds, tmp_path)):
        assert not Client(port, None, None).ok()                                        # anonymous
        assert not Client(port, "s1-pad", creds["devices"]["s2-pad"]["password"]).ok()  # wrong password
        check_devices_keep_to_their_own_topics(port, creds, H, [f"hall/{H}/device/s1-pad/desired",
                                                               f"hall/{H}/device/s2-pad/desired"])
    mode = stat.S_IMODE(os.stat(tmp_path / "amqtt-passwd").st_mode)
    assert mode == 0o600 and "argon2" in (tmp_path / "amqtt-passwd").read_text()


def test_the_confinement_check_catches_a_broker_that_passes_a_spoofed_publish_late(tmp_path, monkeypatch):
    """The planted defect: a broker that lets s1-pad publish as s2-pad, on a machine so slow that
    the spoofed message comes a second later. The check as it was (the pad's own message first,
    the spoofed one after it, then 0.3 s) saw nothing and passed; with the spoofed publish first
    and the own one as the barrier, the check fails."""
    import asyncio

    from amqtt.plugins.topic_checking import TopicAccessControlListPlugin
    real = TopicAccessControlListPlugin.topic_filtering

    async def lenient(self, *, session=None, topic=None, action=None):
        if topic and topic.endswith("/s2-pad/event"):
            await asyncio.sleep(1.0)
            return True
        return await real(self, session=session, topic=topic, action=action)
    monkeypatch.setattr(TopicAccessControlListPlugin, "topic_filtering", lenient)
    creds = village_creds()
    port = free_port()
    with EmbeddedBroker("127.0.0.1", port, auth_for(H, creds, tmp_path)):
        gw = Client(port, "hallgw", creds["gateway"]["password"])
        assert gw.ok()
        gw.sub(f"hall/{H}/device/+/+")
        pad = Client(port, "s1-pad", creds["devices"]["s1-pad"]["password"])
        assert pad.ok()
        # the check as it was
        pad.pub(f"hall/{H}/device/s1-pad/event", b"own")
        pad.pub(f"hall/{H}/device/s2-pad/event", b"spoofed")
        assert wait_for(lambda: (f"hall/{H}/device/s1-pad/event", b"own") in gw.got)
        time.sleep(0.3)
        assert b"spoofed" not in [p for _, p in gw.got]  # passed: the defect went unseen
        for c in (gw, pad):
            c.close()
        with pytest.raises(AssertionError, match="publish as s2-pad came through"):
            check_devices_keep_to_their_own_topics(port, creds, H, [f"hall/{H}/device/s1-pad/desired",
                                                                   f"hall/{H}/device/s2-pad/desired"])


def test_beyond_loopback_it_will_not_run_anonymous(tmp_path):
    with pytest.raises(ValueError, match="needs device credentials"):
        EmbeddedBroker("0.0.0.0", free_port())


def test_the_extension_makes_and_keeps_credentials_when_devices_connect_over_wifi(tmp_path):
    class Rt:
        hall = VILLAGE

    port = free_port()
    b = broker_ext.create(context(Rt(), tmp_path, broker_host="0.0.0.0", broker_port=port))
    path = tmp_path / "broker" / "credentials.json"
    # handed to the gateway's own clients (the BROKER_CREDENTIALS port)
    assert b.credentials == path and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert broker_ext.PROVIDES[BROKER_CREDENTIALS](b) == path
    creds = json.loads(path.read_text())
    assert set(creds["devices"]) == {d.id for d in VILLAGE.devices} and creds["broker"]["host"] is None
    with b.embedded:
        gw = Client(port, "hallgw", creds["gateway"]["password"])
        assert gw.ok()
        gw.close()
    broker_ext.create(context(Rt(), tmp_path, broker_host="0.0.0.0", broker_port=port))
    assert json.loads(path.read_text()) == creds   # devices already provisioned keep their passwords
    local = broker_ext.create(context(Rt(), tmp_path / "x", broker_port=port))
    assert local.embedded.auth is None and local.credentials is None
