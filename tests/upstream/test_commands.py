"""The supervisor's side of upstream: `hallgw upstream check|status|retry` and the
HTTP routes behind the supervisor token."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.config import load_text
from gateway.extensions import upstream as ext
from gateway.runtime import DB_NAME, Runtime
from gateway.upstream.secret import write_secret
from hil.province.control import Province
from tests.support import ROOT
from tests.support.context import context
from tests.upstream.test_delivery import GB, StepClock
from tests.upstream.uphall import APP_KEY, SECRET, Window, upstream_text


def hallgw(*args):
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


@pytest.fixture
def province(tmp_path):
    with Province(tmp_path / "province", APP_KEY, SECRET) as p:
        yield p


def hall_file(tmp_path, province, **kw) -> Path:
    secret = tmp_path / "upstream.secret"
    write_secret(secret, SECRET)
    f = tmp_path / "hall.toml"
    f.write_text(upstream_text(province.url, secret, **kw), encoding="utf-8")
    return f


def test_check_passes_the_right_map_and_names_the_wrong_one(tmp_path, province):
    r = hallgw("upstream", "check", "--config", str(hall_file(tmp_path, province)))
    assert r.returncode == 0, r.stderr
    assert "level map ok" in r.stdout and "content P2026.1: 7 差评 reasons" in r.stdout
    wrong = hall_file(tmp_path, province, level_map=GB)
    r = hallgw("upstream", "check", "--config", str(wrong))
    assert r.returncode == 1
    assert f"{wrong}: upstream.level_map: 非常满意 maps to the province's level 1" in r.stderr
    assert "wrong way round" in r.stderr
    (tmp_path / "upstream.secret").chmod(0o644)
    r = hallgw("upstream", "check", "--config", str(wrong))
    assert r.returncode == 2 and "chmod 600" in r.stderr


def test_check_passes_a_map_the_content_cannot_tell_and_says_so(tmp_path):
    with Province(tmp_path / "praising", APP_KEY, SECRET, praise_tags=True) as praising:
        r = hallgw("upstream", "check", "--config", str(hall_file(tmp_path, praising, level_map=GB)))
    assert r.returncode == 0, r.stderr  # delivered all the same: nothing points one way
    assert "level map not checkable against the content: 1->5, 2->4" in r.stdout
    assert "cannot be checked against the platform's content" in r.stderr and "wrong way round" not in r.stderr


def test_status_retry_and_the_routes(tmp_path, province):
    hall = load_text(upstream_text(province.url, _secret(tmp_path), extra='reason_map = { "99" = "98" }'),
                     str(tmp_path / "hall.toml"))
    rt = Runtime(hall, tmp_path / "gw")
    app = create_app(rt, "clerk-token", clock=StepClock(), supervisor_token="super-token")
    service = ext.create(context(rt, tmp_path / "gw", app=app, clock=StepClock(),
                                 tokens={"clerk": "clerk-token", "supervisor": "super-token"}))
    service.start()
    try:
        win = Window(rt.submit, StepClock())
        win.rated(5)
        bad = win.rated(1, ["99"])
        c = TestClient(app)
        sup = {"Authorization": "Bearer super-token"}
        assert c.get("/api/v1/upstream").status_code == 401
        assert c.get("/api/v1/upstream", headers={"Authorization": "Bearer clerk-token"}).status_code == 401
        end = time.monotonic() + 20
        while time.monotonic() < end:
            st = c.get("/api/v1/upstream", headers=sup).json()["destinations"][0]
            if st["dead_letter"] == 1 and st["delivered"] >= 1:
                break
            time.sleep(0.05)
        assert st["dead_letter"] == 1 and st["last_error"] and st["last_delivered_at"]
        dead = c.get("/api/v1/upstream/dead-letter", headers=sup).json()
        assert dead[0]["ticket"] == bad["number"] and "98" in dead[0]["reason"]
        eid = dead[0]["eval_id"]
        # the shell sees the same store
        r = hallgw("upstream", "status", "--data-dir", str(tmp_path / "gw"), "--json", "--dead")
        out = json.loads(r.stdout)
        assert out["destinations"][0]["dead_letter"] == 1 and out["dead_letter"][0]["key"] == eid
        assert c.post("/api/v1/upstream/retry", json={}, headers=sup).status_code == 422
        assert c.post("/api/v1/upstream/retry", json={"eval_id": "nope"}, headers=sup).status_code == 404
        r = hallgw("upstream", "retry", "--data-dir", str(tmp_path / "gw"), "--eval-id", "nope")
        assert r.returncode == 1 and "not in dead letter" in r.stderr
        # retried unchanged, it comes back: the mapping is still wrong
        assert c.post("/api/v1/upstream/retry", json={"eval_id": eid}, headers=sup).json() == {"retried": 1}
    finally:
        service.stop()
        rt.close()
    assert (tmp_path / "gw" / DB_NAME).exists()


def test_disabled_upstream_says_so(tmp_path):
    hall = load_text((ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8"), "county.toml")
    rt = Runtime(hall, tmp_path / "gw")
    app = create_app(rt, "clerk-token", supervisor_token="super-token")
    assert ext.create(context(rt, tmp_path / "gw", app=app, tokens={"supervisor": "super-token"})) is not None
    r = TestClient(app).get("/api/v1/upstream", headers={"Authorization": "Bearer super-token"})
    assert r.json() == {"enabled": False, "destinations": []}
    rt.close()


def _secret(tmp_path):
    p = tmp_path / "upstream.secret"
    write_secret(p, SECRET)
    return p
