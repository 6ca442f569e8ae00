"""Fixtures for the firmware tests: a real Mosquitto, a gateway stand-in and
emulated boards running the real firmware under `micropython -X heapsize=96K`."""
import pytest

from hil.board import Board
from hil.board.gateway_stub import GatewayStub

HALL = "test-hall"


def board_config(port, device, window=1, **extra):
    c = {"device": device, "hall": HALL, "window": window, "wifi_ssid": "hall-iot",
         "wifi_password": "secret", "broker_host": "127.0.0.1", "broker_port": port,
         "keepalive": 10, "wdt_ms": 8000}
    c.update(extra)
    return c


@pytest.fixture
def gateway(mosquitto):
    g = GatewayStub(HALL, mosquitto.port)
    yield g
    g.close()


@pytest.fixture
def make_board(mosquitto, tmp_path):
    boards = []

    def make(role, device, **extra):
        b = Board(role, board_config(mosquitto.port, device, **extra), tmp_path / device).start()
        boards.append(b)
        return b

    yield make
    for b in boards:
        b.stop()
