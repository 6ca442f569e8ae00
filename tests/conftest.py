import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A command from the project's venv, else from PATH; set-up installs both, so never skip."""
    p = BIN / name
    if p.exists():
        return str(p)
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make test`, which installs it"
    return found


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
