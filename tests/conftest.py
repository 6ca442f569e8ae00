import os
from pathlib import Path

import pytest

from support import ROOT, tool


@pytest.fixture(scope="session")
def micropython() -> str:
    return tool("micropython")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def env_with_root():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture
def mosquitto(tmp_path):
    """A fresh anonymous Mosquitto on a free port (see tests/mosquitto.py for ACL setups)."""
    from mosquitto import Mosquitto

    with Mosquitto(tmp_path / "broker") as m:
        yield m
