"""A store written by the previous release opens in this one (the schema upgrade), and one
written by a newer release is refused with a clear reason."""
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config import load_file
from gateway.runtime import Runtime
from gateway.store import schema, verify
from tests.support import ROOT

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("store-*.db"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_a_store_of_an_earlier_release_opens_upgraded(tmp_path, fixture):
    shutil.copy(fixture, tmp_path / "hall.db")
    assert verify(tmp_path / "hall.db")[0]
    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), tmp_path)
    try:
        assert rt.store.upgraded == list(range(max(1, schema.version(sqlite3.connect(fixture))) + 1,
                                               schema.VERSION + 1))
        assert rt.replayed > 0  # records after its last snapshot, replayed by this release's engine
        state = rt.read(lambda e: (e.windows[2]["status"], e.stats["evaluation"]["rated"],
                                   e.stats["evaluation"]["bad"], dict(e.line.waiting)))
        assert state == ("paused", 8, 1, {"ZH": 1, "ZX": 0})
        out = rt.submit({"type": "resume", "at": 1795395600.0 + 3600, "window": 2})
        assert out.ok, out.refusal
    finally:
        rt.close()
    ok, n, msg = verify(tmp_path / "hall.db")
    assert ok, msg
    conn = sqlite3.connect(tmp_path / "hall.db")
    assert schema.version(conn) == schema.VERSION
    assert conn.execute("SELECT COUNT(*) FROM backups").fetchone() == (0,)


def test_a_store_of_a_newer_release_is_refused(tmp_path):
    shutil.copy(FIXTURES[0], tmp_path / "hall.db")
    conn = sqlite3.connect(tmp_path / "hall.db")
    conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    conn.close()
    r = subprocess.run([sys.executable, "-m", "gateway.cli", "run", "--config", "hall_config/village.toml",
                        "--data-dir", str(tmp_path), "--no-extensions", "--http-port", "1"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert f"written by a newer release (store schema {schema.VERSION + 1}" in r.stderr


def test_the_fixture_is_the_previous_schema():
    # The newest fixture is a store as the release before this schema wrote it.
    assert schema.version(sqlite3.connect(FIXTURES[-1])) < schema.VERSION
