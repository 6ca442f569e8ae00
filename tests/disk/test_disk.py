"""gateway/disk.py and the runtime on a real small filesystem (a tmpfs the test mounts): a write
refused for space keeps SQLite's own error (never "cannot rollback - no transaction is active"),
the engine never runs ahead of the log, a full disk costs one rebuild of the engine and not one
per command, and writing goes on once there is room. The watch's rules alone (free space and
time given) below."""
import errno
import sqlite3

import pytest

from gateway import disk
from gateway.config import load_file
from gateway.runtime import Runtime
from gateway.store import CommandLog, verify
from tests.support import ROOT
from tests.support.hallday import MONDAY_9
from tests.support.smalldisk import MB, Ballast, small_disk
from tests.support.words import english_or_iso

HALL = load_file(ROOT / "hall_config" / "village.toml")


@pytest.fixture
def full_disk(tmp_path):
    with small_disk(tmp_path / "disk", "2m") as d:
        yield d, Ballast(d)


def ticket(rt, at=MONDAY_9 + 60):
    return rt.submit({"type": "issue_ticket", "at": at, "service": "ZX"})


def test_the_command_log_keeps_sqlites_error_when_the_disk_is_full(full_disk):
    d, ballast = full_disk
    log = CommandLog(d / "hall.db", HALL.id)
    log.append({"type": "note", "n": 0}, {"ok": True}, None)
    ballast.fill()
    with pytest.raises(disk.StoreFull) as e:
        for n in range(1, 2000):  # a few may still fit in pages SQLite holds
            log.append({"type": "note", "n": n, "pad": "x" * 2000}, {"ok": True}, None)
    assert isinstance(e.value.__cause__, sqlite3.OperationalError)
    assert "database or disk is full" in str(e.value.__cause__) and "cannot rollback" not in str(e.value)
    assert disk.full(e.value.__cause__) and not log.conn.in_transaction
    kept = log.seq
    assert log.space.full  # until a write goes through, or space is freed
    ballast.empty()
    assert not log.space.full
    assert log.append({"type": "note", "n": "after"}, {"ok": True}, None) == kept + 1
    log.close()
    ok, count, message = verify(d / "hall.db")
    assert ok and count == kept + 1, message


def test_a_command_the_disk_refused_never_happened_and_the_next_takes_its_place(full_disk):
    d, ballast = full_disk
    rt = Runtime(HALL, d)
    first = ticket(rt).result["number"]
    ballast.fill()
    got = []
    with pytest.raises(disk.StoreFull):
        for i in range(500):
            got.append(ticket(rt, MONDAY_9 + 61 + i).result["number"])  # acknowledged: on disk
    # Not on disk, so not in the engine: the queue holds exactly what was acknowledged.
    waiting = rt.read(lambda eng: [t for t in eng.tickets.values() if t["state"] == "waiting"])
    assert sorted(t["number"] for t in waiting) == [first, *got]
    # While nothing is freed the next commands are refused before the engine is asked (no rebuild).
    rebuilt = []
    recover = rt._recover
    rt._recover = lambda: rebuilt.append(1) or recover()
    refused = rt.store.space.refused
    for i in range(5):
        with pytest.raises(disk.StoreFull, match="database or disk is full"):
            ticket(rt, MONDAY_9 + 700 + i)
    assert rebuilt == [] and rt.store.space.refused == refused + 5
    ballast.empty()
    after = ticket(rt, MONDAY_9 + 800).result["number"]
    assert int(after[1:]) == int(([first, *got])[-1][1:]) + 1  # numbers go on, none skipped or repeated
    rt.close()
    rt = Runtime(HALL, d)  # and a restart finds every acknowledged ticket
    numbers = rt.read(lambda eng: sorted(t["number"] for t in eng.tickets.values()))
    assert numbers == sorted([first, *got, after])
    rt.close()


def test_a_login_on_a_full_disk_is_refused_and_changes_nothing(full_disk):
    d, ballast = full_disk
    rt = Runtime(HALL, d)
    ticket(rt)
    ballast.fill()
    with pytest.raises(disk.StoreFull):
        for _ in range(500):
            ticket(rt)
    with pytest.raises(disk.StoreFull):
        rt.submit({"type": "login", "at": MONDAY_9 + 120, "window": 1, "staff_code": "2001"})
    assert rt.read(lambda eng: eng.windows[1]["staff"]) is None
    ballast.empty()
    assert rt.submit({"type": "login", "at": MONDAY_9 + 130, "window": 1, "staff_code": "2001"}).ok
    rt.close()


def test_transaction_rolls_back_only_what_is_open_and_keeps_other_errors():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    with pytest.raises(sqlite3.IntegrityError):  # not a full disk: raised as it was
        with disk.transaction(conn) as c:
            c.execute("INSERT INTO t VALUES (1)")
            c.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction and conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with disk.transaction(conn) as c:
        c.execute("INSERT INTO t VALUES (2)")
    assert conn.execute("SELECT x FROM t").fetchall() == [(2,)]


def test_which_errors_mean_the_disk_is_full():
    assert disk.full(OSError(errno.ENOSPC, "No space left on device"))
    assert disk.full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not disk.full(OSError(errno.EACCES, "Permission denied"))
    assert not disk.full(sqlite3.OperationalError("attempt to write a readonly database"))
    assert not disk.full(ValueError("database or disk is full"))


class Disk:
    """Free space and time for the watch, set by the test."""

    def __init__(self):
        self.free, self.now = 10 * MB, 0.0


def test_the_watch_refuses_at_once_until_space_is_freed_or_its_retry_comes():
    d = Disk()
    w = disk.Watch("/nowhere", clock=lambda: d.now, free=lambda _: d.free)
    w.check()  # not full: nothing to say
    d.free = 0
    w.failed(disk.StoreFull("the store's disk is full: database or disk is full"))
    assert w.full
    with pytest.raises(disk.StoreFull, match="database or disk is full"):
        w.check()
    d.now += disk.RETRY_S
    with pytest.raises(disk.StoreFull):
        w.check(retry=False)  # time passing (a tick) never takes a command's turn
    w.check()  # its retry: the next write may try (it alone can tell)
    with pytest.raises(disk.StoreFull):
        w.check()  # ... one write per RETRY_S
    d.free = 64 * 1024  # someone freed space: try at once
    assert not w.full
    w.check()
    w.wrote()
    d.free = 0
    w.check()  # it went through: not full any more, whatever the figure says
    assert not w.full


def test_the_disk_in_the_halls_words():
    d = Disk()
    w = disk.Watch("/nowhere", clock=lambda: d.now, free=lambda _: d.free)
    alarm = disk.Alarm(w, 200, clock=lambda: 1000.0)
    d.free = 25 * 1024 * MB
    ok = alarm.view()
    assert (ok["state"], ok["free"], ok["warn"], ok["alert"]) == ("ok", "25.0\u00a0GB", "200\u00a0MB", None)
    d.free = 150 * MB
    low = alarm.view()
    assert low["alert"] == {"since": 1000.0, "text": "存储空间不足：剩余 150\u00a0MB，低于告警线 200\u00a0MB，请联系管理员清理"}
    d.free = 0
    w.failed(disk.StoreFull("full"))
    full = alarm.view()
    assert full["state"] == "full" and full["alert"]["text"] == "存储空间已满，请联系管理员（剩余 0\u00a0MB），取号、叫号、评价等暂时无法保存"
    for v in (ok, low, full):
        assert not english_or_iso(v["text"]), v["text"]
    assert disk.line(2048) == "2\u00a0GB" and disk.size(3.25) == "3.2\u00a0MB"
