import tempfile
from pathlib import Path

import pytest

from hil.services.mosquitto import free_port
from hil.services.postgres import Postgres


@pytest.fixture(scope="module")
def pg():
    """The county's PostgreSQL, one per test module (about 2 s to start)."""
    p = Postgres(Path(tempfile.mkdtemp(prefix="hall-pg-")), port=free_port()).start()
    yield p
    p.remove()
