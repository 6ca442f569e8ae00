"""What the county keeps per site, as an earlier release wrote it, goes on in this one: the
site's reports (data/county/<site>/reports.db) are rebuilt, not refused forever; the copy of
its records for the province (province.db) goes on from where it had looked."""
import datetime as dt
import sqlite3

from gateway.config import load_file
from gateway.county.province import SiteProvince
from gateway.county.service import County
from gateway.outbox import OutboxStore
from gateway.reports.store import ReportStore
from gateway.store import LogReader
from hil.day.year import write_days
from tests.support import ROOT


class HeldSite:
    """The site's records as the county holds them (PostgreSQL's rows_after), from a hall.db."""

    def __init__(self, log_db):
        self.log = LogReader.open(log_db)

    def rows_after(self, site, after, limit):
        return self.log.links_after(after, limit)


def test_the_county_rebuilds_a_sites_reports_of_an_earlier_release(tmp_path):
    site = load_file(ROOT / "hall_config" / "township.toml")
    log_db = tmp_path / "site" / "hall.db"
    sim = write_days(site, log_db, dt.date(2026, 9, 28), 2, seed=3, tickets_per_day=30)
    want = ReportStore.rebuilt(tmp_path / "want.db", site, log_db)
    path = tmp_path / "county" / site.id / "reports.db"
    path.parent.mkdir(parents=True)
    ReportStore.rebuilt(path, site, log_db).close()
    conn = sqlite3.connect(path)  # as schema 2 wrote it: its own facts in a table called meta
    conn.execute("ALTER TABLE report_meta RENAME TO meta")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    conn.close()

    county = County(load_file(ROOT / "hall_config" / "county.toml"), None, tmp_path, {site.id: site})
    held = HeldSite(log_db)
    try:
        assert county._report(held, site.id, sim.records) is True
        assert county.reports[site.id].cursor == sim.records
        assert county.reports[site.id].dump() == want.dump()
    finally:
        held.log.close()
        want.close()
        for rs in county.reports.values():
            rs.close()


class Adapter:
    name = "reference"
    supports_followups = True


def test_the_province_copy_goes_on_from_where_an_earlier_release_had_looked(tmp_path):
    site = load_file(ROOT / "hall_config" / "township.toml")
    db = tmp_path / "province.db"
    conn = sqlite3.connect(db)  # as the earlier release made it: the position among the outbox's notes
    conn.execute("CREATE TABLE commands (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, prev TEXT, hash TEXT)")
    conn.commit()
    conn.close()
    OutboxStore(db, "copy").note("upto", "57")
    sp = SiteProvince(site, "ab" * 32, 12, db, Adapter(), retry_max=1.0)
    try:
        assert sp.copied() == 57
        sp.feed([], 80)
        assert sp.copied() == 80
    finally:
        sp.stop()
    again = SiteProvince(site, "ab" * 32, 12, db, Adapter(), retry_max=1.0)
    try:
        assert again.copied() == 80  # the old note is not read over the new position
    finally:
        again.stop()
