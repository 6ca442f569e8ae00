"""Staff login codes in the store, hashed (gateway/logins): read from the hall file
once, looked up by the runtime before a login is logged (the log keeps the staff id,
never the code), set anew with `hallgw staff code`; wrong codes at a call pad and
at the clerk console count towards the same window's lock."""
import sqlite3
import subprocess
import sys

from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.config import load_file, load_text
from gateway.extensions import clerk_console
from gateway.extensions.ports import PUSH_HUB
from gateway.logins.book import CodeBook
from gateway.pages.push import PushHub
from gateway.runtime import DB_NAME, Runtime
from tests.support import ROOT
from tests.support.context import context
from tests.support.hallday import MONDAY_9, StepClock

VILLAGE = ROOT / "hall_config" / "village.toml"
TOKEN = "clerk-test-token"


def login(rt, code, window=1, at=MONDAY_9, **origin):
    cmd = {"type": "login", "at": at, "window": window, "staff_code": code}
    if origin:
        cmd["origin"] = origin
    return rt.submit(cmd)


def logged_cmds(data_dir):
    conn = sqlite3.connect(data_dir / DB_NAME)
    import json
    return [json.loads(r)["cmd"] for (r,) in conn.execute("SELECT record FROM commands ORDER BY seq")]


def test_a_login_is_logged_with_the_staff_id_and_the_code_kept_only_hashed(tmp_path):
    hall = load_file(VILLAGE)
    codes = {s.id: s.login_code for s in hall.staff}
    rt = Runtime(hall, tmp_path)
    assert login(rt, codes["v01"]).ok
    assert not login(rt, "99999", window=2).ok
    rt.close()
    cmds = [c for c in logged_cmds(tmp_path) if c["type"] == "login"]
    assert [(c.get("staff"), c["verified"], "staff_code" in c) for c in cmds] == [("v01", True, False),
                                                                                  (None, False, False)]
    conn = sqlite3.connect(tmp_path / DB_NAME)
    rows = dict(conn.execute("SELECT staff, digest FROM login_codes"))
    assert list(rows) == ["v01"] and rows["v01"].startswith("$argon2id$v=19$m=7168,t=5,p=1$")
    # Keyed: the code's plain argon2 with the store's salt is not what is stored.
    from argon2.low_level import Type, hash_secret
    salt, t, m, p = conn.execute("SELECT salt, time_cost, memory_kib, parallelism FROM login_hashing").fetchone()
    assert hash_secret(codes["v01"].encode(), salt, t, m, p, 32, Type.ID).decode() != rows["v01"]
    dump = "\n".join(conn.iterdump())
    assert all(f"'{c}'" not in dump and f'"{c}"' not in dump for c in codes.values())
    assert (tmp_path / "login_key").stat().st_mode & 0o777 == 0o600


def test_after_the_first_start_the_store_stands_over_the_hall_file(tmp_path):
    hall = load_file(VILLAGE)
    book = CodeBook.of(tmp_path, hall)
    Runtime(hall, tmp_path).close()  # the store's tables
    done = book.import_hall()
    assert done.read == [s.id for s in hall.staff] and not done.ignored
    # The hall file then loses its codes, or carries another for v01: the store's code works.
    text = VILLAGE.read_text(encoding="utf-8")
    old = hall.staff[0].login_code
    changed = load_text(text.replace(f'login_code = "{old}"', 'login_code = "55555"'), "v.toml")
    assert CodeBook.of(tmp_path, changed).import_hall().ignored == [s.id for s in hall.staff]
    rt = Runtime(changed, tmp_path)
    assert login(rt, old).ok and not login(rt, "55555", window=2).ok
    rt.close()


def hallgw(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT)


def test_hallgw_staff_code_rotates_a_code_while_the_gateway_runs(tmp_path):
    hall = load_file(VILLAGE)
    a, b = hall.staff[0], hall.staff[1]
    rt = Runtime(hall, tmp_path)
    rt.codes.import_hall()
    common = ("--config", str(VILLAGE), "--data-dir", str(tmp_path))
    out = hallgw("staff", "code", a.id, *common, stdin="246810\n")
    assert out.returncode == 0 and "new login code stored" in out.stdout and "246810" not in out.stdout + out.stderr
    assert not login(rt, a.login_code).ok  # the old code is gone, the running runtime sees the new one
    assert login(rt, "246810", at=MONDAY_9 + 1).ok
    out = hallgw("staff", "code", b.id, *common, stdin="246810\n")
    assert out.returncode == 1 and "another staff member has this code" in out.stderr
    assert hallgw("staff", "code", b.id, *common, stdin="12ab\n").returncode == 1
    assert hallgw("staff", "code", "nobody", *common, stdin="13579\n").returncode == 1
    listing = hallgw("staff", "list", *common).stdout
    assert f"{a.id}\t{a.name}\tcode since" in listing and "from hallgw staff code" in listing
    assert "from hall file (the hall file still carries one" in listing
    assert hallgw("staff", "code", b.id, "--remove", *common).returncode == 0
    assert f"{b.id}\t{b.name}\tcode removed" in hallgw("staff", "list", *common).stdout
    assert not login(rt, b.login_code, window=2, at=MONDAY_9 + 2).ok
    rt.close()


def test_a_store_of_the_release_before_replays_its_coded_logins_once(tmp_path):
    hall = load_file(VILLAGE)
    rt = Runtime(hall, tmp_path)
    code = hall.staff[0].login_code
    # A record as the release before wrote it: the code in the command (append-only log).
    rt.store.append({"type": "login", "at": MONDAY_9, "window": 1, "staff_code": code},
                    {"ok": True, "refusal": None, "events": [], "result": None}, None)
    rt.store.close()
    rt = Runtime(hall, tmp_path)
    assert rt.replayed == 1 and rt.read(lambda e: e.windows[1]["staff"]) == hall.staff[0].id
    rt.close()
    # Kept in a snapshot at once: a start with the codes gone from the hall file replays nothing.
    bare = load_text("\n".join(line for line in VILLAGE.read_text(encoding="utf-8").splitlines()
                               if not line.startswith("login_code")), "v.toml")
    rt = Runtime(bare, tmp_path)
    assert rt.replayed == 0 and rt.read(lambda e: e.windows[1]["staff"]) == hall.staff[0].id
    rt.close()


def test_pad_and_console_count_towards_one_lock_and_the_console_waits_it_out(tmp_path):
    rt = Runtime(load_file(ROOT / "hall_config" / "county.toml"), tmp_path)
    clock = StepClock(MONDAY_9, step=1.0)
    app = create_app(rt, TOKEN, clock=clock)
    ext = clerk_console.create(context(rt, tmp_path, app=app, clock=clock, tokens={"clerk": TOKEN},
                                       ports={PUSH_HUB: PushHub(rt)}))
    ext.start()
    for seq in range(1, 5):  # the call pad of window 1, four wrong codes (one delivered twice)
        assert not login(rt, "0000", at=clock(), dev="c-w01-pad", boot="b1", seq=seq).ok
    login(rt, "0000", at=clock(), dev="c-w01-pad", boot="b1", seq=4)
    assert rt.read(lambda e: e.login_guard[1]["wrong"]) == 4  # a redelivered event is not counted twice
    c = TestClient(app)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = c.post("/clerk/api/login", json={"window": 1, "staff_code": "0001"}, headers=auth)
    assert r.status_code == 401 and "login locked 60 s" in r.json()["reason"]
    assert r.json()["detail"].startswith("登录码错误，本窗口登录已锁定 60 秒")
    alert = rt.read(lambda e: e.alerts["login_locked:1"])
    assert (alert["window"], alert["locks"], alert["seconds"]) == (1, 1, 60)
    ext.console.throttle.fails.clear()
    r = c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}, headers=auth)
    assert r.status_code == 429 and "登录已锁定" in r.json()["detail"] and 50 <= int(r.headers["retry-after"]) <= 60
    clock.now += 60
    r = c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}, headers=auth)
    assert r.status_code == 200, r.text
    assert rt.read(lambda e: (1 not in e.login_guard, "login_locked:1" in e.alerts)) == (True, False)
    ext.stop()
    rt.close()


def test_a_login_from_outside_cannot_claim_to_be_verified(tmp_path):
    rt = Runtime(load_file(VILLAGE), tmp_path)
    out = rt.submit({"type": "login", "at": MONDAY_9, "window": 1, "verified": True, "staff": "v01"})
    assert not out.ok and out.refusal == "login: 'staff_code' is required"
    out = rt.submit({"type": "login", "at": MONDAY_9, "window": 1, "staff_code": "0000", "verified": True,
                     "staff": "v01"})
    assert not out.ok and rt.read(lambda e: e.windows[1]["staff"]) is None
    rt.close()


def test_the_lock_alert_reads_on_the_dashboard():
    from gateway.reports.live import alert_text
    a = {"kind": "login_locked", "window": 3, "locks": 2, "seconds": 120, "until": MONDAY_9}
    assert alert_text(a, {3: "3号窗口 社保"}, {}) == "3号窗口 社保：登录码多次输错，窗口登录已锁定（第 2 次，120 秒）"
