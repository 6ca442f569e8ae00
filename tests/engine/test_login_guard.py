"""Wrong login codes lock a window's login for a growing delay and raise an alert
(gateway/engine/guard.py): deterministic, time only from the commands."""
import json

from gateway.config import load_text
from gateway.config.logins import Logins
from gateway.engine import Engine
from tests.support.hallday import MONDAY_9, ROOT, Driver, hall

WRONG = {"verified": False}


def alerts(d, kind="login_locked"):
    return [(e["active"], e["window"], e.get("seconds")) for e in d.events if e["type"] == "alert" and e["kind"] == kind]


def test_five_wrong_codes_lock_the_window_then_each_further_one_doubles_the_lock():
    d = Driver(step=1.0)
    for left in (4, 3, 2, 1):
        assert d.refused("login", window=1, **WRONG) == f"unknown staff code ({left} more wrong before the login locks)"
    assert d.refused("login", window=1, **WRONG) == "unknown staff code: login locked 60 s"
    assert alerts(d) == [(True, 1, 60)]
    # Locked: even the right code is refused, without a look at it, and not counted.
    assert "login locked 59 s more (wrong codes at window 1)" == d.refused("login", window=1, verified=True, staff="s001")
    assert d.engine.login_guard[1] == {"wrong": 5, "locks": 1, "until": MONDAY_9 + 5 + 60}
    # Another window is not locked.
    d.ok("login", window=2, verified=True, staff="s003")
    d.ok("tick", at=MONDAY_9 + 5 + 60)
    assert alerts(d) == [(True, 1, 60), (False, 1, 60)]  # the alert ends with the lock
    assert d.refused("login", window=1, **WRONG).endswith("locked 120 s")  # one more wrong: twice as long
    d.now += 120
    assert d.refused("login", window=1, **WRONG).endswith("locked 240 s")
    assert [a for a in alerts(d) if a[0]] == [(True, 1, 60), (True, 1, 120), (True, 1, 240)]
    d.now += 240
    d.ok("login", window=1, verified=True, staff="s001")  # a login clears the count
    assert 1 not in d.engine.login_guard
    d.ok("logout", window=1)
    assert d.refused("login", window=1, **WRONG).endswith("(4 more wrong before the login locks)")


def test_the_lock_grows_to_the_hall_files_cap_and_the_settings_are_read():
    assert hall().logins == Logins()  # the example hall has no [logins]: the defaults
    h = load_text((ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")
                  + "\n[logins]\nwrong_in_a_row = 2\nlock_seconds = 10\nlock_max_seconds = 25\n", "v.toml")
    d = Driver(h, step=1.0)
    got = []
    for _ in range(6):
        got.append(d.refused("login", window=1, **WRONG))
        d.now += 30
    assert got[0].startswith("unknown staff code (1 more")
    assert [g.rsplit(" ", 2)[-2] for g in got[1:]] == ["10", "20", "25", "25", "25"]


def test_a_right_code_at_a_taken_window_does_not_clear_the_count():
    d = Driver(step=1.0)
    d.ok("login", window=1, verified=True, staff="s001")
    for _ in range(4):
        d.refused("login", window=1, **WRONG)
    assert "already has s001" in d.refused("login", window=1, verified=True, staff="s003")
    assert d.engine.login_guard[1]["wrong"] == 4
    assert d.refused("login", window=1, **WRONG).endswith("locked 60 s")


def test_legacy_logins_with_the_code_count_alike():
    d = Driver(step=1.0)
    for _ in range(5):
        d.refused("login", window=3, staff_code="0000")
    assert d.engine.login_guard[3]["locks"] == 1
    assert "locked" in d.refused("login", window=3, staff_code="1005")


def test_only_a_code_or_a_verdict_and_never_both():
    d = Driver()
    assert d.refused("login", window=1) == "login: 'staff_code' is required"
    assert d.refused("login", window=1, staff_code="1001", verified=True, staff="s001") == \
        "login: 'staff_code' is required"
    assert "names its staff member" in d.refused("login", window=1, verified=True)
    assert "names its staff member" in d.refused("login", window=1, verified=False, staff="s001")
    assert "must be a true or false" in d.refused("login", window=1, verified="yes", staff="s001")
    assert d.engine.login_guard == {}  # malformed: refused before anything is counted


def test_a_new_day_forgets_wrong_codes_and_the_lock_survives_a_snapshot():
    d = Driver(step=1.0)
    for _ in range(5):
        d.refused("login", window=1, **WRONG)
    for _ in range(2):
        d.refused("login", window=2, **WRONG)
    snap = json.loads(json.dumps(d.engine.snapshot()))
    e = Engine.restore(d.engine.hall, snap)
    assert e.login_guard == d.engine.login_guard and "login_locked:1" in e.alerts
    assert e.snapshot() == d.engine.snapshot()
    d.ok("tick", at=MONDAY_9 + 86400)  # the next day (its alert ended first)
    assert d.engine.login_guard == {} and "login_locked:1" not in d.engine.alerts
    old = dict(snap)
    del old["login_guard"]  # a snapshot from before the guard
    assert Engine.restore(d.engine.hall, old).login_guard == {}


def test_same_commands_same_locks():
    def run():
        d = Driver(step=7.0)
        for i in range(12):
            d("login", window=1 + i % 2, **WRONG)
            d.now += 50
        return d.engine.snapshot(), d.events
    assert run() == run()
