import os
from pathlib import Path

import pytest

from tests.support import ROOT, tool
from tests.support.browser import browser, page_at  # noqa: F401 -- Chromium for every folder's page tests


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
    """A fresh anonymous Mosquitto on a free port (see tests/support/mosquitto.py for ACL setups)."""
    from tests.support.mosquitto import Mosquitto

    with Mosquitto(tmp_path / "broker") as m:
        yield m
