"""Fixtures for the firmware tests: a real Mosquitto (one per module, to keep
the suite fast), a gateway stand-in and emulated boards running the real
firmware under `micropython -X heapsize=96K`."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from hil.board import Board
from hil.board.gateway_stub import GatewayStub
from tests.support.mosquitto import Mosquitto

HALL = "test-hall"


def board_config(port, device, window=1, **extra):
    c = {"device": device, "hall": HALL, "window": window, "wifi_ssid": "hall-iot",
         "wifi_password": "secret", "broker_host": "127.0.0.1", "broker_port": port,
         "keepalive": 10, "wdt_ms": 8000}
    c.update(extra)
    return c


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory):
    with Mosquitto(tmp_path_factory.mktemp("broker")) as m:
        yield m


@pytest.fixture
def gateway(mosquitto):
    g = GatewayStub(HALL, mosquitto.port)
    yield g
    g.close()


@pytest.fixture
def make_board(mosquitto, gateway, tmp_path):
    """make(role, device, ntp=True, beacons=None, **config) starts one board (ntp:
    whether the hall's NTP server answers it; beacons: its access point's,
    hil.board.powersave.Beacons); make.many([(role, device, extra), ...])
    starts several at once (each boot waits on its own interpreter)."""
    boards = []

    def make(role, device, ntp=True, beacons=None, **extra):
        b = Board(role, board_config(mosquitto.port, device, **extra), tmp_path / device, beacons=beacons)
        b.ntp(ntp)
        boards.append(b)
        return b.start()

    def many(specs):
        with ThreadPoolExecutor(len(specs)) as ex:
            return list(ex.map(lambda s: make(s[0], s[1], **(s[2] if len(s) > 2 else {})), specs))

    make.many = many
    yield make
    for b in boards:
        b.stop()
    if mosquitto.proc:   # retained messages would leak into the next test on this broker
        for b in boards:
            gateway.clear(b.config["device"])
