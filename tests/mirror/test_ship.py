"""Shipping a hall's log to the county's PostgreSQL: every record exactly once (counted from what
the county received, tests/mirror/tiers.py check_shipped_once), through
a broker restart, a database restart, a link down for a long stretch, and a gateway
killed mid-shipment; the chain checks report altered records."""
from __future__ import annotations

import sqlite3

import pytest

from gateway.mirror.pgstore import PgSites
from tests.mirror.tiers import (
    Site,
    check_shipped_once,
    county_rows,
    go_backs,
    hall_text,
    mirror_section,
    parent_section,
    reset_county,
    serve_one,
    wait_until,
)


@pytest.fixture
def county_db(pg):
    reset_county(pg)
    return pg


@pytest.fixture
def world(tmp_path, mosquitto, county_db):
    made = []

    def make(name: str, tier: str, extra: str) -> Site:
        s = Site(hall_text(name, tier, extra), tmp_path / name, mosquitto.port)
        made.append(s)
        return s
    yield make
    for s in reversed(made):
        s.close()


def county(make, pg, children) -> Site:
    return make("county-t", "county", mirror_section(children, pg.dsn))


def test_records_arrive_once_through_broker_and_database_restarts(world, mosquitto, county_db):
    c = county(world, county_db, ["village-a"])
    v = world("village-a", "village", parent_section("county-t", mosquitto.port))
    for _ in range(20):
        v.submit({"type": "issue_ticket", "service": "ZH"})
    wait_until(lambda: county_rows(county_db, "village-a") == v.rows(), what="first records at the county")
    mosquitto.restart(0.3)  # the parent broker restarts: in-flight batches and acks are lost
    for _ in range(20):
        v.submit({"type": "issue_ticket", "service": "ZX"})
    county_db.restart(0.5)  # the county database restarts (immediate: recovery from its WAL)
    for _ in range(20):
        serve_one(v)
    wait_until(lambda: county_rows(county_db, "village-a") == v.rows(), timeout=60, what="all records")
    rows = county_rows(county_db, "village-a")
    assert [s for s, _ in rows] == list(range(1, len(v.rows()) + 1))  # every seq, none missing
    # Once, counted from what the county received: sent again only after the village went back
    # (lost acks, the database away), at most a window each time.
    window = v.hall.parent.window
    got = check_shipped_once(c, county_db, "village-a", v.rows(), window * go_backs(v.ext.shipper.describe()["counts"]))
    assert got["extra"] <= got["allowed"]
    status = c.ext.describe()
    assert status["findings"] == []
    site = next(s for s in status["sites"] if s["hall_id"] == "village-a")
    assert site["head_seq"] == len(rows)


def test_a_long_cut_drains(world, mosquitto, county_db):
    """The link is down while the village works on (thousands of records: hours of a
    village's day); when it is back, everything arrives once, in order."""
    c = world("county-t", "county", mirror_section(["village-a"], county_db.dsn))
    v = world("village-a", "village", parent_section("county-t", mosquitto.port, window=500))
    v.submit({"type": "issue_ticket", "service": "ZH"})
    wait_until(lambda: len(county_rows(county_db, "village-a")) == 1, what="the first record")
    mosquitto.stop()
    for i in range(1500):
        v.submit({"type": "issue_ticket", "service": "ZH" if i % 2 else "ZX"})
        v.submit({"type": "cancel_ticket", "ticket": "nonexistent"})  # refused ones are records too
    mosquitto.start()
    wait_until(lambda: county_rows(county_db, "village-a") == v.rows(), timeout=120, what="the backlog")
    assert len(county_rows(county_db, "village-a")) == 3001
    check_shipped_once(c, county_db, "village-a", v.rows(), 500 * go_backs(v.ext.shipper.describe()["counts"]))


def alter(db, seq: int, old: str, new: str) -> None:
    """What someone with the SD card could do: drop the append-only trigger and edit a record."""
    c = sqlite3.connect(db)
    c.execute("DROP TRIGGER IF EXISTS commands_append_only_u")
    rec = c.execute("SELECT record FROM commands WHERE seq = ?", (seq,)).fetchone()[0]
    assert old in rec
    c.execute("UPDATE commands SET record = ? WHERE seq = ?", (rec.replace(old, new, 1), seq))
    c.commit()
    c.close()


def test_an_altered_record_is_reported_by_the_county(world, mosquitto, county_db):
    c = county(world, county_db, ["village-a"])
    v = world("village-a", "village", parent_section("county-t", mosquitto.port))
    for _ in range(5):
        v.submit({"type": "issue_ticket", "service": "ZH"})
    wait_until(lambda: county_rows(county_db, "village-a") == v.rows(), what="records at the county")
    # 1. after it was shipped: the county's rolling audit asks for the records again
    alter(v.data_dir / "hall.db", 3, '"service":"ZH"', '"service":"ZX"')
    store = PgSites(county_db.dsn)
    try:
        c.ext.hub.audit(store)
        found = wait_until(lambda: store.findings("village-a"), what="a finding")
    finally:
        store.close()
    assert [(f["seq"], f["kind"]) for f in found] == [(3, "altered")]
    assert "altered at the site" in found[0]["detail"]
    # 2. before it was shipped: the link is down, a record is edited, then it is sent
    v.stop_mirror()
    v.submit({"type": "issue_ticket", "service": "ZH"})
    v.submit({"type": "issue_ticket", "service": "ZH"})
    alter(v.data_dir / "hall.db", 6, '"service":"ZH"', '"service":"ZX"')
    v.start()
    wait_until(lambda: len(county_rows(county_db, "village-a")) == 7, what="the rest")
    kinds = {(f["seq"], f["kind"]) for f in c.ext.describe()["findings"]}
    assert (6, "altered") in kinds
