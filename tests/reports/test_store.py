"""The reporting store is derived from the command log alone: folded in one go (rebuild), in
pieces with restarts between them, or live behind a running gateway's runtime, it holds the
same rows; it knows when it must be rebuilt."""
import random
import shutil
import time

import pytest

from gateway.reports.follow import Follower
from gateway.reports.store import ReportStore, needs_rebuild
from gateway.runtime import Runtime
from gateway.store import LogReader


def test_rebuilt_equals_incremental_with_restarts(fortnight, county, tmp_path):
    data, sim = fortnight
    log = data / "hall.db"
    whole = ReportStore.rebuilt(tmp_path / "whole.db", county, log)
    assert whole.cursor == sim.records
    counts = whole.counts()
    assert counts["tickets"] > 300 and counts["ratings"] > 250 and counts["followups"] > 5

    rnd = random.Random(1)
    path = tmp_path / "pieces.db"
    store = ReportStore(path, county)
    while store.cursor < sim.records:
        # A piece of the log, sometimes in several transactions, then a "restart": the open
        # tickets, visits, spans and alerts are read back from the file, not kept in memory.
        with LogReader.open(log) as reader:
            got = store.fold_records(reader.for_folding(store.cursor, rnd.randint(1, 700)), batch=rnd.randint(1, 300))
        assert got > 0
        if rnd.random() < 0.5:
            store.close()
            store = ReportStore(path, county)
    assert store.dump() == whole.dump()
    assert store.catch_up(log) == 0  # nothing left to fold
    store.close()
    whole.close()


def test_live_follower_equals_rebuild(county, tmp_path, log_records):
    """Commands through a real Runtime (committed one by one); the follower folds after each
    commit, off the runtime's thread. Then deleting reports.db and rebuilding gives the same."""
    rt = Runtime(county, tmp_path)
    store = ReportStore(tmp_path / "reports.db", county)
    follower = Follower(store, tmp_path / "hall.db")
    rt.subscribe(follower.poke)
    follower.start()
    first_days = [r for r in log_records if r["cmd"]["at"] < log_records[0]["cmd"]["at"] + 2 * 86400]
    for rec in first_days:
        rt.submit(rec["cmd"])
    deadline = time.monotonic() + 30
    while store.cursor < rt.store.seq and time.monotonic() < deadline:
        time.sleep(0.05)
    follower.stop()
    assert store.cursor == rt.store.seq > 500
    live = store.dump()
    store.close()
    rt.close()
    for p in tmp_path.glob("reports.db*"):
        p.unlink()
    again, why = ReportStore.opened(tmp_path / "reports.db", county, tmp_path / "hall.db")
    assert why == "reports.db is missing"
    assert again.dump() == live
    again.close()


def test_when_the_store_must_be_rebuilt(fortnight, county, tmp_path):
    data, _ = fortnight
    log = data / "hall.db"
    path = tmp_path / "reports.db"
    assert needs_rebuild(path, county, log) == "reports.db is missing"
    store, why = ReportStore.opened(path, county, log)
    assert why == "reports.db is missing"
    store.close()
    assert needs_rebuild(path, county, log) is None
    store, why = ReportStore.opened(path, county, log)
    assert why is None
    store.close()

    # Another log in the same place (hall.db replaced): the cursor's record is not the same.
    other = tmp_path / "other"
    other.mkdir()
    from hil.day.year import write_days
    write_days(county, other / "hall.db", data and __import__("datetime").date(2026, 9, 28), 2, seed=9,
               tickets_per_day=20)
    why = needs_rebuild(path, county, other / "hall.db")
    assert why and "not the one reports.db was folded from" in why

    # Another hall's store, or one folded under another service-day rule.
    import dataclasses
    moved = dataclasses.replace(county, queue=dataclasses.replace(county.queue, service_day_start=
                                                                  __import__("datetime").time(4, 0)))
    assert "service day rule changed" in needs_rebuild(path, moved, log)
    renamed = dataclasses.replace(county, id="elsewhere", _index={})
    assert "belongs to hall 'county-demo'" in needs_rebuild(path, renamed, log)

    # An older schema.
    old = tmp_path / "old.db"
    shutil.copy(path, old)
    import sqlite3
    conn = sqlite3.connect(old)
    conn.execute("UPDATE report_meta SET value = '0' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    assert "has schema 0" in needs_rebuild(old, county, log)


def as_written_by_release_2(path):
    """reports.db as schema 2 wrote it: the same tables, its own facts in a table called meta."""
    import sqlite3
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE report_meta RENAME TO meta")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    conn.close()


def test_a_store_of_an_earlier_release_is_rebuilt(fortnight, county, tmp_path):
    """Schema 3 calls the store's own table report_meta (meta is the log's): a reports.db of
    schema 2 is refused as it is and rebuilt from the log, to the same rows."""
    log = fortnight[0] / "hall.db"
    whole = ReportStore.rebuilt(tmp_path / "whole.db", county, log)
    want = whole.dump()
    whole.close()
    path = tmp_path / "reports.db"
    ReportStore.rebuilt(path, county, log).close()
    as_written_by_release_2(path)
    assert needs_rebuild(path, county, log) == "reports.db was written by an earlier release (before schema 3)"
    with pytest.raises(ValueError, match="earlier release"):
        ReportStore(path, county)
    store, why = ReportStore.opened(path, county, log)
    assert why == "reports.db was written by an earlier release (before schema 3)"
    assert store.dump() == want
    store.close()
