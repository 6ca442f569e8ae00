"""TLS between a device and the broker, with the real firmware under the MicroPython
unix port (mbedTLS, as on the ESP32) and real Mosquitto: a device with the hall CA
connects to the TLS listener and works; a device with another CA, a device checking
another name, and a device facing an impostor broker (a certificate from another CA)
refuse to connect, and the impostor never gets a byte of MQTT (no password)."""
import socket
import ssl
import threading

import pytest

from gateway.broker import certs
from hil.board import Board
from hil.board.gateway_stub import GatewayStub
from hil.services.tls_mosquitto import NAME, TlsBroker

HALL = "test-hall"
WRONG_NAME = "The certificate Common Name (CN) does not match with the expected CN"
NOT_SIGNED = "The certificate is not correctly signed by the trusted CA"  # mbedTLS's verify flags, as text


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    with TlsBroker(tmp_path_factory.mktemp("tls-broker")) as b:
        yield b


@pytest.fixture
def gateway(broker):
    g = GatewayStub(HALL, broker.port)  # the gateway on the plain loopback listener
    yield g
    g.close()


def tls_board(tmp_path, device, port, ca: bytes, name=NAME, role="callpad"):
    cfg = {"device": device, "hall": HALL, "window": 1, "wifi_ssid": "hall-iot", "wifi_password": "secret",
           "broker_host": "127.0.0.1", "broker_port": port, "keepalive": 10, "wdt_ms": 8000,
           "mqtt_user": device, "mqtt_password": "pw-" + device, "tls_ca": "ca.der", "tls_name": name}
    return Board(role, cfg, tmp_path / device, files={"ca.der": ca})


def test_a_device_with_the_hall_ca_works_over_tls(tmp_path, broker, gateway):
    b = tls_board(tmp_path, "w01-pad", broker.tls_port, broker.ca_der()).start()
    try:
        b.wait_until(lambda: gateway.online("w01-pad"), 15, "online over TLS")
        b.type("1045")
        b.press("ok")
        assert gateway.wait(lambda: gateway.events_of("w01-pad", "login"), 5, "login")[0]["staff"] == "1045"
        rev = gateway.publish_desired("w01-pad", {"v": 1, "role": "callpad", "window": 1, "logged_in": True,
                                                  "staff": "1045", "post": "A", "ticket": "A012", "tstate": "called",
                                                  "recalls": 0, "waiting": 3, "paused": False, "msg": "",
                                                  "reasons": ["lunch"]})
        b.wait_until(lambda: b.screen_text()[2] == "A012 叫号中", 10, "desired state over TLS")
        gateway.wait(lambda: gateway.state.get("w01-pad", {}).get("rev") == rev, 10, "state over TLS")
        # A Wi-Fi drop: it comes back over TLS (a new handshake) by itself.
        b.wifi(False)
        gateway.wait(lambda: not gateway.online("w01-pad"), 40, "last will")
        b.wifi(True)
        gateway.wait(lambda: gateway.online("w01-pad"), 30, "back over TLS")
        assert not [ln for ln in b.serial if "certificate" in ln]
    finally:
        b.stop()
        gateway.clear("w01-pad")


def refused(b: Board, gateway, dev: str, why: str) -> None:
    b.wait_until(lambda: sum(why in ln for ln in b.serial) >= 2, 20, f"refused twice: {why}")  # it keeps refusing
    assert not gateway.online(dev) and not gateway.events_of(dev)


def test_a_device_with_another_ca_refuses_the_broker(tmp_path, broker, gateway):
    other = certs.ensure(tmp_path / "other-ca", "another-hall", [NAME, "127.0.0.1"])
    b = tls_board(tmp_path, "w02-pad", broker.tls_port, other.ca_der.read_bytes()).start()
    try:
        refused(b, gateway, "w02-pad", NOT_SIGNED)
    finally:
        b.stop()


def test_a_device_checking_another_name_refuses_the_broker(tmp_path, broker, gateway):
    b = tls_board(tmp_path, "w03-pad", broker.tls_port, broker.ca_der(), name="not-the-gateway").start()
    try:
        refused(b, gateway, "w03-pad", WRONG_NAME)
    finally:
        b.stop()


class Impostor:
    """A TLS server with a certificate from another CA, as a rogue access point's
    broker would have: it records whatever application bytes it could read."""

    def __init__(self, files: certs.Files):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(files.cert, files.key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.got = b""
        self.handshakes = self.failed = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.handshakes += 1
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(5)
                    self.got += tls.recv(4096)
            except (ssl.SSLError, OSError):
                self.failed += 1

    def close(self):
        self.sock.close()


def test_a_device_refuses_an_impostor_broker_and_sends_it_nothing(tmp_path, broker, gateway):
    imp = Impostor(certs.ensure(tmp_path / "impostor", "impostor", [NAME, "127.0.0.1"]))
    b = tls_board(tmp_path, "w04-pad", imp.port, broker.ca_der()).start()
    try:
        refused(b, gateway, "w04-pad", NOT_SIGNED)
        assert imp.handshakes >= 2 and imp.failed >= 2
        assert imp.got == b""  # no CONNECT, no user name, no password
    finally:
        b.stop()
        imp.close()
