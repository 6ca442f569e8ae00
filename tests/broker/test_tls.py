"""TLS on the device link as a hall sets it up: `hallgw mosquitto-config` writes the
TLS listener with the hall CA and a server certificate (keys 0600), can leave the
plain listener out, and tells provisioning the port, CA and name; a device
provisioned from that file (config.json + ca.der, as hallctl writes them) logs in
through real Mosquitto over TLS to a gateway that itself connects over TLS."""
import getpass
import json
import os
import stat

from cryptography import x509

from gateway.cli import main
from gateway.config import load_file, load_text
from gateway.extensions import broker as broker_ext
from gateway.extensions import devices as devices_ext
from gateway.extensions.ports import BROKER_CREDENTIALS
from gateway.provision.device_config import ProvisionError, device_config, files_for
from gateway.runtime import Runtime
from hil.board import Board
from tests.support import ROOT
from tests.support.context import context
from tests.support.mosquitto import Mosquitto, free_port
from tests.support.mqtt_client import wait_for

VILLAGE = ROOT / "hall_config" / "village.toml"


def configure(tmp_path, *extra, port=None, tls_port=None):
    out = tmp_path / "conf"
    port, tls_port = port or free_port(), tls_port or free_port()
    (tmp_path / "persist").mkdir(exist_ok=True)
    assert main(["mosquitto-config", "--config", str(VILLAGE), "--out", str(out), "--host", "127.0.0.1",
                 "--port", str(port), "--tls-port", str(tls_port), "--tls-name", "hall-gw",
                 "--persistence", str(tmp_path / "persist"), "--run-as", getpass.getuser(), *extra]) == 0
    return out, json.loads((out / "credentials.json").read_text()), port, tls_port


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def sans(path):
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return [str(n.value) for n in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value]


def test_the_tls_listener_its_certificates_and_what_provisioning_gets(tmp_path):
    out, creds, port, tls_port = configure(tmp_path)
    conf = (out / "mosquitto.conf").read_text()
    assert f"listener {port} 127.0.0.1" in conf and f"listener {tls_port} 127.0.0.1" in conf
    for line in (f"certfile {out}/tls/server.pem", f"keyfile {out}/tls/server.key", "tls_version tlsv1.2"):
        assert line in conf
    assert mode(out / "tls" / "server.key") == mode(out / "tls" / "ca.key") == 0o600
    assert sans(out / "tls" / "server.pem") == ["hall-gw", "127.0.0.1", "localhost"]
    assert creds["broker"]["tls"] == {"port": tls_port, "name": "hall-gw", "ca": str(out / "tls" / "ca.der"),
                                      "ca_pem": str(out / "tls" / "ca.pem")}
    cfg = device_config(load_file(VILLAGE), "s1-pad", "hall-iot", "", "192.168.10.2", None, creds)
    assert (cfg["broker_port"], cfg["tls_ca"], cfg["tls_name"]) == (tls_port, "ca.der", "hall-gw")
    assert files_for(cfg, creds) == {"ca.der": (out / "tls" / "ca.der").read_bytes()}
    plain = device_config(load_file(VILLAGE), "s1-pad", "hall-iot", "", "192.168.10.2", None, creds, tls=False)
    assert plain["broker_port"] == port and "tls_ca" not in plain
    # Again: the CA and the certificate stay (devices in the field trust them) ...
    ca, cert = (out / "tls" / "ca.pem").read_bytes(), (out / "tls" / "server.pem").read_bytes()
    configure(tmp_path, port=port, tls_port=tls_port)
    assert (out / "tls" / "ca.pem").read_bytes() == ca and (out / "tls" / "server.pem").read_bytes() == cert
    # ... until the names change: a new certificate from the same CA.
    configure(tmp_path, "--tls-name", "hall-gw.local", port=port, tls_port=tls_port)
    assert (out / "tls" / "ca.pem").read_bytes() == ca and (out / "tls" / "server.pem").read_bytes() != cert
    assert "hall-gw.local" in sans(out / "tls" / "server.pem")


def test_without_the_plain_listener_provisioning_needs_tls(tmp_path):
    out, creds, port, tls_port = configure(tmp_path, "--no-plain")
    conf = (out / "mosquitto.conf").read_text()
    assert f"listener {port} " not in conf and f"listener {tls_port} 127.0.0.1" in conf
    assert creds["broker"]["port"] is None
    try:
        device_config(load_file(VILLAGE), "s1-pad", "hall-iot", "", "192.168.10.2", None, creds, tls=False)
    except ProvisionError as e:
        assert "no plain listener" in str(e)
    else:
        raise AssertionError("provisioned a plain device for a TLS-only broker")


def logs_in_over_tls(tmp_path, hall, creds, options) -> None:
    """The gateway's device plane (over TLS: the broker has no plain listener) and a call pad
    provisioned from the credentials (config.json + ca.der): its login reaches the engine and
    the desired state comes back."""
    rt = Runtime(hall, tmp_path / "data")
    ext = devices_ext.create(context(rt, tmp_path / "data", **options))
    ext.start()
    board = None
    try:
        assert wait_for(lambda: ext.plane.link.connected, 10)  # the gateway too, over TLS
        cfg = device_config(hall, "s1-pad", "hall-iot", "", "127.0.0.1", None, creds)
        assert cfg["mqtt_password"] == creds["devices"]["s1-pad"]["password"] and cfg["tls_ca"] == "ca.der"
        board = Board("callpad", cfg, tmp_path / "s1-pad", files=files_for(cfg, creds)).start()
        assert wait_for(lambda: ext.plane.registry.get("s1-pad").online, 20), "\n".join(board.serial)
        board.type(hall.staff[0].login_code)
        board.press("ok")
        assert wait_for(lambda: rt.read(lambda e: e.windows[1]["staff"]) == hall.staff[0].id, 10)
        # The desired state went back over TLS: the pad reports that it applied it.
        rev = ext.plane.published.rev("s1-pad")
        assert '"logged_in": true' in ext.plane.published._last["s1-pad"][1]
        assert wait_for(lambda: ext.plane.registry.get("s1-pad").rev == rev, 20)
        assert not [ln for ln in board.serial if "certificate" in ln]
    finally:
        if board:
            board.stop()
        ext.stop()
        rt.close()


def test_a_provisioned_device_logs_in_through_mosquitto_on_tls_only(tmp_path):
    out, creds, _, tls_port = configure(tmp_path, "--no-plain")
    with Mosquitto(tmp_path / "run", port=tls_port, conf=out / "mosquitto.conf"):
        logs_in_over_tls(tmp_path, load_file(VILLAGE), creds,
                         {"broker_host": "127.0.0.1", "broker_port": 1, "mqtt_credentials": out / "credentials.json"})


def test_the_embedded_broker_has_the_same_tls_listener(tmp_path):
    text = VILLAGE.read_text(encoding="utf-8").replace("[broker]\n", '[broker]\nplain = false\ntls_names = ["hall-gw"]\n')
    hall = load_text(text, "village.toml")
    port, tls_port = free_port(), free_port()
    rt = Runtime(hall, tmp_path / "broker-rt")
    broker = broker_ext.create(context(rt, tmp_path / "data", broker_host="0.0.0.0", broker_port=port,
                                       broker_tls_port=tls_port))
    broker.start()
    try:
        assert not broker.embedded.listening()  # no plain listener
        creds = json.loads(broker.credentials.read_text())
        assert creds["broker"]["port"] is None and creds["broker"]["tls"]["port"] == tls_port
        assert mode(tmp_path / "data" / "broker" / "tls" / "server.key") == 0o600
        # the device plane logs in with what the broker hands over (the BROKER_CREDENTIALS port)
        logs_in_over_tls(tmp_path, hall, creds, {"broker_host": "0.0.0.0", "broker_port": port,
                                                  "ports": {BROKER_CREDENTIALS: broker.credentials}})
    finally:
        broker.stop()
        rt.close()


def test_the_hall_files_broker_tls_keys_are_checked():
    from gateway.config import ConfigError
    text = VILLAGE.read_text(encoding="utf-8")
    bad = {"tls_port = 1883": "broker.tls_port: 1883 is also the plain port",
           "tls_port = 0\nplain = false": "broker.plain: false needs a tls_port",
           'tls_names = ["a b"]': "broker.tls_names[0]: 'a b' is not a host name"}
    for lines, why in bad.items():
        try:
            load_text(text.replace("[broker]\n", f"[broker]\n{lines}\n"), "v.toml")
        except ConfigError as e:
            assert any(why in line for line in e.lines()), e.lines()
        else:
            raise AssertionError(f"accepted {lines!r}")
    b = load_file(VILLAGE).broker
    assert (b.tls_port, b.plain, b.tls_names) == (8883, True, ())
