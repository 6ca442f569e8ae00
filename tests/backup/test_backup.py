"""Online backups while the hall commits, their schedule and pruning, and restore: a copy with a
broken audit chain, another hall's, or one restored under a running gateway is refused and
changes nothing."""
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

from gateway.backup import copy
from gateway.backup.restore import restore
from gateway.config import load_file
from gateway.extensions.backup import Backups
from gateway.runtime import Runtime
from gateway.store import verify
from tests.support import ROOT

FIXTURE = ROOT / "tests" / "store" / "fixtures" / "store-0.1.db"  # the store tests keep the old releases
START = 1795395600.0


def village():
    return load_file(ROOT / "hall_config" / "village.toml")


def hallgw(*args):
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_backup_while_commands_commit_is_consistent_and_restores(tmp_path):
    rt = Runtime(village(), tmp_path / "live")
    stop = threading.Event()

    def busy():
        t = START
        while not stop.is_set():
            t += 1
            assert rt.submit({"type": "issue_ticket", "at": t, "service": "ZX"}).ok

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        while rt.store.seq < 50:
            time.sleep(0.01)
        made = copy.make(rt.store.path, tmp_path / "backups", "village-demo")
        copy.note(rt.store.path, made, time.time())
    finally:
        stop.set()
        worker.join()
    assert 50 <= made.seq <= rt.store.seq
    ok, n, msg = verify(made.path)
    assert ok and n == made.seq, msg
    assert not list((tmp_path / "backups").glob("*.partial")) and not list((tmp_path / "backups").glob("*-wal"))
    assert copy.last(rt.store.path)["seq"] == made.seq
    rt.close()
    got = restore(made.path, tmp_path / "restored", "village-demo")
    assert got["records"] == made.seq and got["replaced"] is None
    back = Runtime(village(), tmp_path / "restored")
    try:
        assert back.store.seq == made.seq
        assert back.read(lambda e: e.line.waiting["ZX"]) == made.seq
    finally:
        back.close()


def test_a_broken_chain_another_hall_or_a_running_gateway_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE, data / "hall.db")
    before = (data / "hall.db").read_bytes()
    bad = tmp_path / "hall-village-demo-20261123T120000.db"
    shutil.copy(FIXTURE, bad)
    conn = sqlite3.connect(bad)
    conn.execute("DROP TRIGGER commands_append_only_u")
    conn.execute("UPDATE commands SET record = replace(record, '\"at\":', '\"at\": ') WHERE seq = 40")
    conn.commit()
    conn.close()
    r = hallgw("restore", "--from", str(bad), "--data-dir", str(data))
    assert r.returncode == 1 and "audit chain is broken" in r.stderr and "nothing was changed" in r.stderr
    good = tmp_path / "hall-village-demo-20261123T130000.db"
    shutil.copy(FIXTURE, good)
    r = hallgw("restore", "--from", str(good), "--data-dir", str(data), "--config", "hall_config/county.toml")
    assert r.returncode == 1 and "not 'county-demo'" in r.stderr
    rt = Runtime(village(), data)  # a gateway running on the store
    try:
        r = hallgw("restore", "--from", str(good), "--data-dir", str(data))
        assert r.returncode == 1 and "stop the gateway first" in r.stderr
    finally:
        rt.close()
    assert sorted(p.name for p in data.iterdir()) == ["hall.db"]
    assert verify(data / "hall.db")[0]
    r = hallgw("restore", "--from", str(good), "--data-dir", str(data), "--config", "hall_config/village.toml")
    assert r.returncode == 0, r.stderr
    assert "audit chain intact" in r.stdout
    aside = [p for p in data.iterdir() if p.name.startswith("replaced-")]
    assert len(aside) == 1 and (aside[0] / "hall.db").exists()  # the replaced store is kept
    assert len(before) > 0


def test_hallgw_backup_and_pruning(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE, data / "hall.db")
    Runtime(village(), data).close()  # upgraded: it has the backups table
    folder = tmp_path / "backups"
    folder.mkdir()
    now = time.time()
    for days in (30, 20, 3):  # older backups of this hall, and one of another hall
        (folder / copy.file_name("village-demo", now - days * 86400)).write_bytes(b"old")
    (folder / copy.file_name("county-demo", now - 40 * 86400)).write_bytes(b"other hall")
    r = hallgw("backup", "--data-dir", str(data), "--to", str(folder), "--keep-days", "14")
    assert r.returncode == 0, r.stderr
    assert "records 1..52" in r.stdout and "removed 2 older than 14 days" in r.stdout
    names = [p.name for p in copy.backups(folder)]
    assert len(copy.backups(folder, "village-demo")) == 2 and any(n.startswith("hall-county-demo") for n in names)
    assert verify(copy.backups(folder, "village-demo")[-1])[0]
    # the newest is kept even when every backup is older than the limit
    assert copy.prune(folder, "county-demo", 1) == []


def test_the_schedule_counts_from_the_newest_backup(tmp_path):
    rt = Runtime(village(), tmp_path / "data")
    clock = [START]
    b = Backups(rt, tmp_path / "backups", every_hours=24, keep_days=2, now=lambda: clock[0])
    try:
        assert b.due_in() == 0  # none yet: at once
        b.once()
        clock[0] += 3600
        assert b.due_in() == 23 * 3600
        for _ in range(4):  # a backup a day: only the last two days' are kept
            clock[0] += 86400
            b.once()
        assert len(copy.backups(tmp_path / "backups")) == 3
    finally:
        rt.close()
