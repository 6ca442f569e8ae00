import os
from pathlib import Path

import pytest

from tests.support import ROOT, tool
from tests.support.browser import browser, page_at  # noqa: F401 -- Chromium for every folder's page tests

# Every gateway a test starts reads its clock's sync state from this file, not from the machine
# running the tests (a container's kernel may say "unsynchronized"); the clock's own tests give
# a file of their own (gateway/clock/probe.py).
os.environ.setdefault("HALLGW_CLOCK_STATE", str(ROOT / "tests" / "support" / "clock_synchronized"))


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


# `make test` runs the suite on several workers (pytest-xdist). Each module stays on one worker
# (its module-scoped gateway or broker is started once, its tests run in their order); the
# whole-hall simulations and the firmware's long runs (marked slow) go to two lanes, one after
# another in each, so at most two of them share the machine's cores and their simulated clocks
# keep up. The lanes are handed out first: they are the longest.
SLOW = {
    "tests/hil/test_tiers.py": "slow-1", "tests/upstream/test_kill.py": "slow-1",
    "tests/firmware/test_firmware_callpad.py": "slow-1", "tests/contract/test_openapi_schemathesis.py": "slow-1",
    "tests/install/test_install.py": "slow-1",
    # both run `make install` in this checkout (its build/ folder): never at once
    "tests/install/test_wheel.py": "slow-1",
    "tests/hil/test_hall_day.py": "slow-2", "tests/firmware/test_firmware_evaluator.py": "slow-2",
    "tests/architecture/test_secrets_in_logs.py": "slow-2", "tests/bench/test_display.py": "slow-2",
    "tests/runtime/test_crash.py": "slow-2", "tests/firmware/test_firmware_resilience.py": "slow-2",
    "tests/firmware/test_firmware_tls.py": "slow-2", "tests/pages/test_screen.py": "slow-2",
}


def lane(nodeid: str) -> str:
    """The unit of work a test belongs to: its module, or its slow lane."""
    module = nodeid.split("::")[0]
    return SLOW.get(module, module)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("::")[0] in SLOW:
            item.add_marker(pytest.mark.slow)
    # Stable: the same order on every worker (xdist checks), the slow lanes first.
    items.sort(key=lambda item: lane(item.nodeid) not in ("slow-1", "slow-2"))


def pytest_xdist_make_scheduler(config, log):
    # xdist's own "loadgroup" does not group under pytest 9 (it renames nodes, which pytest 9 no
    # longer allows), so the grouping is a scheduler of ours: xdist's by-scope one, with our scopes.
    from xdist.scheduler import LoadScopeScheduling

    class ByLane(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return lane(nodeid)

    return ByLane(config, log)
