"""The generated Mosquitto configuration, run by a real Mosquitto: each
device is confined to its own topics, the gateway reaches all of them."""
import getpass
import json
import os
import stat

import pytest

from gateway.broker import mosquitto_conf
from gateway.broker.passwords import hash_entry, verify
from gateway.cli import main
from gateway.config import load_file
from tests.support import ROOT
from tests.support.mosquitto import Mosquitto, free_port
from tests.support.mqtt_client import Client, check_devices_keep_to_their_own_topics, wait_for

VILLAGE = load_file(ROOT / "hall_config" / "village.toml")
H = VILLAGE.id


@pytest.fixture
def broker(tmp_path):
    out = tmp_path / "conf"
    port = free_port()
    assert main(["mosquitto-config", "--config", str(ROOT / "hall_config" / "village.toml"), "--out", str(out),
                 "--host", "127.0.0.1", "--port", str(port), "--persistence", str(tmp_path / "persist"),
                 "--tls-port", str(free_port()),  # tests run side by side: never the fixed 8883
                 "--run-as", getpass.getuser()]) == 0
    (tmp_path / "persist").mkdir()
    creds = json.loads((out / "credentials.json").read_text())
    with Mosquitto(tmp_path / "run", port=port, conf=out / "mosquitto.conf") as m:
        yield m, creds, out


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
    check_devices_keep_to_their_own_topics(m.port, creds, H, [f"hall/{H}/device/+/desired"])


def test_anonymous_and_wrong_password_are_refused(broker):
    m, creds, _ = broker
    anon = Client(m.port, None, None)
    assert not anon.ok()
    wrong = Client(m.port, "s1-pad", creds["devices"]["s2-pad"]["password"])
    assert not wrong.ok()
    anon.close()
    wrong.close()


def test_the_gateway_and_a_device_work_through_the_generated_broker(broker, tmp_path):
    # The device plane logs in as the gateway from credentials.json, a call pad with its own.
    from gateway.devices.client import DeviceClient
    from gateway.devices.plane import DevicePlane
    from gateway.extensions.devices import gateway_credentials
    from gateway.runtime import Runtime

    m, creds, out = broker
    user, password = gateway_credentials(out / "credentials.json")
    rt = Runtime(VILLAGE, tmp_path / "store")
    plane = DevicePlane(VILLAGE, rt, tmp_path / "dev", "127.0.0.1", m.port, user, password)
    plane.start()
    pad = None
    try:
        assert wait_for(lambda: plane.link.connected)
        pad = DeviceClient(H, "s1-pad", "127.0.0.1", m.port, username="s1-pad",
                           password=creds["devices"]["s1-pad"]["password"])
        pad.action("login", staff=VILLAGE.staff[0].login_code)
        assert pad.wait(lambda d: d["logged_in"])["window"] == 1
        assert wait_for(lambda: plane.registry.get("s1-pad").online)  # its retained availability reached us
    finally:
        if pad:
            pad.close()
        plane.stop()
        rt.close()
