"""The generated Mosquitto configuration, run by a real Mosquitto: each
device is confined to its own topics, the gateway reaches all of them."""
import getpass
import json
import os
import stat
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from gateway.broker import mosquitto_conf
from gateway.broker.passwords import hash_entry, verify
from gateway.cli import main
from gateway.config import load_file
from mosquitto import Mosquitto, free_port

ROOT = Path(__file__).resolve().parent.parent
VILLAGE = load_file(ROOT / "hall_config" / "village.toml")
H = VILLAGE.id


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


@pytest.fixture
def broker(tmp_path):
    out = tmp_path / "conf"
    port = free_port()
    assert main(["mosquitto-config", "--config", str(ROOT / "hall_config" / "village.toml"), "--out", str(out),
                 "--host", "127.0.0.1", "--port", str(port), "--persistence", str(tmp_path / "persist"),
                 "--run-as", getpass.getuser()]) == 0
    (tmp_path / "persist").mkdir()
    creds = json.loads((out / "credentials.json").read_text())
    with Mosquitto(tmp_path / "run", port=port, conf=out / "mosquitto.conf") as m:
        yield m, creds, out


def wait_for(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_generated_files(tmp_path):
    files = mosquitto_conf.write(VILLAGE, tmp_path / "out", "127.0.0.1", 1884, tmp_path / "p")
    conf = files.conf.read_text()
    assert "set_tcp_nodelay true" in conf and "allow_anonymous false" in conf and "listener 1884 127.0.0.1" in conf
    assert stat.S_IMODE(os.stat(files.credentials).st_mode) == 0o600
    creds = json.loads(files.credentials.read_text())
    assert set(creds["devices"]) == {d.id for d in VILLAGE.devices}
    entries = dict(line.split(":", 1) for line in files.passwd.read_text().splitlines())
    for dev, c in creds["devices"].items():
        assert verify(f"{dev}:{entries[dev]}", c["password"])
    assert verify(f"hallgw:{entries['hallgw']}", creds["gateway"]["password"])
    # A second run keeps the credentials already issued.
    mosquitto_conf.write(VILLAGE, tmp_path / "out", "127.0.0.1", 1884, tmp_path / "p")
    assert json.loads(files.credentials.read_text()) == creds


def test_password_entry_rejects_wrong_password_and_bad_names():
    e = hash_entry("w01-pad", "secret", salt=b"0123456789ab")
    assert verify(e, "secret") and not verify(e, "Secret")
    with pytest.raises(ValueError):
        hash_entry("a:b", "x")


def test_a_device_may_only_use_its_own_topics(broker):
    m, creds, _ = broker
    gw = Client(m.port, "hallgw", creds["gateway"]["password"])
    assert gw.ok()
    gw.sub(f"hall/{H}/device/+/+")
    pad = Client(m.port, "s1-pad", creds["devices"]["s1-pad"]["password"])
    assert pad.ok()
    pad.pub(f"hall/{H}/device/s1-pad/event", b"own")
    pad.pub(f"hall/{H}/device/s2-pad/event", b"spoofed")  # publishing as another device
    pad.pub(f"hall/{H}/device/s1-pad/desired", b"forged", retain=True)
    assert wait_for(lambda: (f"hall/{H}/device/s1-pad/event", b"own") in gw.got)
    time.sleep(0.3)
    payloads = [p for _, p in gw.got]
    assert b"spoofed" not in payloads and b"forged" not in payloads
    # Desired state: the device reads its own, never another's.
    gw.pub(f"hall/{H}/device/s1-pad/desired", b"mine", retain=True)
    gw.pub(f"hall/{H}/device/s2-pad/desired", b"theirs", retain=True)
    pad.sub(f"hall/{H}/device/+/desired")
    assert wait_for(lambda: (f"hall/{H}/device/s1-pad/desired", b"mine") in pad.got)
    time.sleep(0.3)
    assert all(p != b"theirs" for _, p in pad.got)
    for c in (gw, pad):
        c.close()


def test_anonymous_and_wrong_password_are_refused(broker):
    m, creds, _ = broker
    anon = Client(m.port, None, None)
    assert not anon.ok()
    wrong = Client(m.port, "s1-pad", creds["devices"]["s2-pad"]["password"])
    assert not wrong.ok()
    anon.close()
    wrong.close()
