"""A seeded fortnight of the county hall (hil/day/year.py through the real engine), written as a
real command log once per test session: 2026-09-28 to 2026-10-11 holds the National Day
holidays (10-01..10-07) and a 调休 Saturday (10-10)."""
import datetime as dt
import json
import sqlite3

import pytest

from gateway.config import load_file
from tests.support import ROOT

COUNTY = ROOT / "hall_config" / "county.toml"
FIRST = dt.date(2026, 9, 28)
DAYS = 14


@pytest.fixture(scope="session")
def county():
    return load_file(COUNTY)


@pytest.fixture(scope="session")
def fortnight(tmp_path_factory, county):
    """(data dir with hall.db, the simulation)."""
    from hil.day.year import write_days

    d = tmp_path_factory.mktemp("fortnight")
    sim = write_days(county, d / "hall.db", FIRST, DAYS, seed=5, tickets_per_day=70)
    return d, sim


@pytest.fixture(scope="session")
def log_records(fortnight) -> list[dict]:
    """Every record of the fortnight's log, read straight from hall.db."""
    conn = sqlite3.connect(f"file:{fortnight[0] / 'hall.db'}?mode=ro", uri=True)
    try:
        return [json.loads(r) for (r,) in conn.execute("SELECT record FROM commands ORDER BY seq")]
    finally:
        conn.close()
