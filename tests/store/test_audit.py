"""The SQLite store behind the runtime: restart resumes exactly, device events apply
once across restarts, and the audit chain names the first altered or removed record."""
import json
import sqlite3
import subprocess
import sys

import pytest

from gateway.runtime import Runtime
from gateway.store import verify
from tests.support.hallday import MONDAY_9, ROOT, hall

HALL = hall("county")


def day(rt, n=6):
    t = MONDAY_9
    for i in range(n):
        rt.submit({"type": "issue_ticket", "at": t + i, "service": "ZH", "lane": "green" if i % 3 == 2 else "normal"})
    rt.submit({"type": "login", "at": t + 10, "window": 1, "staff_code": "1001"})
    rt.submit({"type": "login", "at": t + 11, "window": 2, "staff_code": "1003"})
    rt.submit({"type": "call_next", "at": t + 12, "window": 1})
    rt.submit({"type": "start", "at": t + 13, "window": 1})
    rt.submit({"type": "call_next", "at": t + 14, "window": 2})
    rt.submit({"type": "pause", "at": t + 15, "window": 3, "reason": "会议"})  # refused: nobody there
    rt.submit({"type": "login", "at": t + 16, "window": 3, "staff_code": "1005"})
    rt.submit({"type": "pause", "at": t + 17, "window": 3, "reason": "会议", "until": "10:00"})


def state(rt):
    return json.dumps(rt.engine.snapshot(), sort_keys=True)


def test_restart_resumes_exactly_with_and_without_snapshots(tmp_path):
    for every in (1000, 4):
        d = tmp_path / f"every{every}"
        rt = Runtime(HALL, d, snapshot_every=every)
        day(rt)
        before = state(rt)
        rt.store.close()  # no clean close: as after a power cut, the snapshot may be old
        again = Runtime(HALL, d, snapshot_every=every)
        assert state(again) == before and again.diverged == 0
        w = again.engine.windows
        assert (w[1]["status"], w[2]["status"], w[3]["status"], w[3]["paused_reason"]) == \
            ("serving", "calling", "paused", "会议")
        assert again.submit({"type": "call_next", "at": MONDAY_9 + 20, "window": 3}).refusal.startswith("cannot")
        again.close()


def test_a_due_snapshot_waits_for_a_lull_unless_it_is_overdue(tmp_path):
    """Writing the engine out holds the lock for tens of ms: it is put off while commands keep
    coming (a key press must not wait behind it), written in the next lull, and written at
    once only when overdue by as many commands again."""
    rt = Runtime(HALL, tmp_path, snapshot_every=4)

    def issue(i):
        rt.submit({"type": "issue_ticket", "at": MONDAY_9 + i, "service": "ZH", "lane": "normal"})
    for i in range(5):
        issue(i)
    assert rt.store.latest_snapshot()[0] == 0  # due, not written inline
    assert not rt.snapshot_if_quiet(quiet_s=3600)  # a command came just now: no lull yet
    assert rt.snapshot_if_quiet(quiet_s=0) and rt.store.latest_snapshot()[0] == 5
    assert not rt.snapshot_if_quiet(quiet_s=0)  # nothing due any more
    for i in range(5, 13):
        issue(i)
    assert rt.store.latest_snapshot()[0] == 13  # 8 = 2 x 4 past the last: overdue, written inline
    before = json.dumps(rt.engine.snapshot(), sort_keys=True)
    rt.store.close()
    assert json.dumps(Runtime(HALL, tmp_path).engine.snapshot(), sort_keys=True) == before


def test_events_are_published_after_commit_in_order(tmp_path):
    rt = Runtime(HALL, tmp_path)
    seen = []

    def on_events(events):
        # the command must already be on disk when its events are published
        other = sqlite3.connect(tmp_path / "hall.db")
        seen.append((other.execute("SELECT COUNT(*) FROM commands").fetchone()[0], [e["type"] for e in events]))
        other.close()

    rt.subscribe(on_events)
    rt.submit({"type": "issue_ticket", "at": MONDAY_9, "service": "ZH"})
    rt.submit({"type": "issue_ticket", "at": MONDAY_9 + 1, "service": "ZH"})
    assert [n for n, _ in seen] == [1, 2] and "ticket_issued" in seen[0][1]
    rt.close()


def test_a_device_event_applies_once_even_across_a_restart(tmp_path):
    rt = Runtime(HALL, tmp_path)
    day(rt)
    origin = {"dev": "w2-pad", "boot": "b7", "seq": 41}
    first = rt.submit({"type": "no_show", "at": MONDAY_9 + 30, "window": 2, "origin": origin})
    assert first.ok
    rt.submit({"type": "call_next", "at": MONDAY_9 + 31, "window": 2})
    rt.store.close()
    rt = Runtime(HALL, tmp_path)
    again = rt.submit({"type": "no_show", "at": MONDAY_9 + 32, "window": 2, "origin": origin})
    assert again.ok and again.result == first.result  # the first outcome, not a second no-show
    assert rt.engine.windows[2]["status"] == "calling"
    assert rt.engine.stats["volume"]["no_show"] == 1
    bad = rt.submit({"type": "no_show", "at": MONDAY_9 + 33, "window": 2, "origin": {"dev": "x"}})
    assert not bad.ok and "origin" in bad.refusal
    rt.close()


def test_ticks_that_change_nothing_are_not_logged(tmp_path):
    rt = Runtime(HALL, tmp_path)
    rt.submit({"type": "issue_ticket", "at": MONDAY_9, "service": "ZH"})
    n = rt.store.seq
    rt.submit({"type": "tick", "at": MONDAY_9 + 1})
    assert rt.store.seq == n
    rt.close()


def _audit(data_dir):
    return subprocess.run([sys.executable, "-m", "gateway.cli", "audit", "verify", "--data-dir", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True)


def _tamper(db, *sql):
    c = sqlite3.connect(db)
    c.execute("DROP TRIGGER commands_append_only_u")
    c.execute("DROP TRIGGER commands_append_only_d")
    for s in sql:
        c.execute(s)
    c.commit()
    c.close()


def test_audit_verify_reports_the_first_altered_or_missing_record(tmp_path):
    rt = Runtime(HALL, tmp_path)
    day(rt)
    rt.close()
    db = tmp_path / "hall.db"
    ok = _audit(tmp_path)
    assert ok.returncode == 0 and "ok: 14 records" in ok.stdout
    c = sqlite3.connect(db)
    try:
        c.execute("DELETE FROM commands WHERE seq = 3")
        raise AssertionError("the log accepted a delete")
    except sqlite3.DatabaseError as e:
        assert "append-only" in str(e)
    c.close()
    _tamper(db, "UPDATE commands SET record = replace(record, '\"ZH\"', '\"SB\"') WHERE seq = 4")
    out = _audit(tmp_path)
    assert out.returncode == 1 and "record 4 was altered" in out.stdout
    assert verify(db)[1] == 3


def test_audit_verify_of_a_running_gateway_sees_one_consistent_log(tmp_path):
    import threading
    rt = Runtime(HALL, tmp_path)
    stop = threading.Event()

    def append():
        i = 0
        while not stop.is_set():
            rt.submit({"type": "issue_ticket", "at": MONDAY_9 + i * 0.01, "service": "ZH", "lane": "normal"})
            i += 1

    t = threading.Thread(target=append)
    t.start()
    try:
        # At least 30 verifies, and on until the log has grown under them (a busy host may
        # run all 30 before the appender's first commit).
        results = [verify(tmp_path / "hall.db")]
        while len(results) < 30 or (results[-1][1] <= results[0][1] and len(results) < 5000):
            results.append(verify(tmp_path / "hall.db"))
    finally:
        stop.set()
        t.join()
        rt.close()
    assert all(ok for ok, _, _ in results), next(m for ok, _, m in results if not ok)
    assert results[-1][1] > results[0][1]   # the log grew while it was verified


def test_audit_verify_finds_removed_records_in_the_middle_and_at_the_end(tmp_path):
    rt = Runtime(HALL, tmp_path)
    day(rt)
    rt.close()
    db = tmp_path / "hall.db"
    _tamper(db, "DELETE FROM commands WHERE seq = 7")
    assert "record 7 is missing" in _audit(tmp_path).stdout
    _tamper_tail = tmp_path / "tail"
    rt = Runtime(HALL, _tamper_tail)
    day(rt)
    rt.store.close()
    _tamper(_tamper_tail / "hall.db", "DELETE FROM commands WHERE seq >= 12")
    out = _audit(_tamper_tail)
    assert out.returncode == 1 and "record 12 is missing" in out.stdout


def test_audit_verify_on_no_store_or_a_file_that_is_not_one(tmp_path):
    out = _audit(tmp_path)
    assert out.returncode == 1 and out.stdout.strip() == f"{tmp_path / 'hall.db'}: no store here"
    (tmp_path / "hall.db").write_text("not a database, just a text file\n" * 100)
    out = _audit(tmp_path)
    assert out.returncode == 1 and "not a readable hall store" in out.stdout and "Traceback" not in out.stderr


@pytest.mark.parametrize("command", [["gateway.cli", "run"], ["hil.cli", "run"], ["hil.cli", "day"]])
def test_an_invalid_hall_file_starts_nothing(tmp_path, command):
    bad = tmp_path / "hall.toml"
    bad.write_text((ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")
                   .replace('tier = "village"', 'tier = "hamlet"'), encoding="utf-8")
    flag = "--data-dir" if command[0] == "gateway.cli" else "--workdir"
    out = subprocess.run([sys.executable, "-m", *command, "--config", str(bad), flag, str(tmp_path / "data")],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"{bad}: hall.tier: " in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "data" / "hall.db").exists()


def test_time_in_the_log_never_runs_back(tmp_path):
    # Two API requests stamp their time before taking the runtime's lock; the later
    # stamp may commit first. The other is committed at the time already reached.
    rt = Runtime(HALL, tmp_path)
    assert rt.submit({"type": "issue_ticket", "at": MONDAY_9 + 10, "service": "ZH"}).ok
    out = rt.submit({"type": "issue_ticket", "at": MONDAY_9 + 9.5, "service": "ZH"})
    assert out.ok and out.result["issued_at"] == MONDAY_9 + 10
    rt.close()
    again = Runtime(HALL, tmp_path)  # the clamped time is what was logged, so replay agrees
    out = again.submit({"type": "issue_ticket", "at": MONDAY_9 + 1, "service": "ZH"})
    assert out.result["issued_at"] == MONDAY_9 + 10 and out.result["number"] == "A003"
    again.close()
