"""A village gateway (`hallgw run`, a real process) SIGKILLed while its backlog is on
its way to the county: after the restart every record is at the county exactly once."""
from __future__ import annotations

import sqlite3

import psycopg

from gateway.config import load_text
from gateway.runtime import Runtime
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.mirror.tiers import (
    Clock,
    Site,
    county_rows,
    hall_text,
    mirror_section,
    parent_section,
    reset_county,
    wait_until,
)


def test_power_cut_mid_shipment(tmp_path, mosquitto, pg):
    reset_county(pg)
    county = Site(hall_text("county-k", "county", mirror_section(["village-k"], pg.dsn)), tmp_path / "county",
                  mosquitto.port)
    text = hall_text("village-k", "village", parent_section("county-k", mosquitto.port, window=200))
    cfg = tmp_path / "village-k.toml"
    cfg.write_text(text)
    data = tmp_path / "village"
    rt, clock = Runtime(load_text(text, str(cfg)), data), Clock()
    for i in range(2000):  # a backlog: the day's records made while the link was down
        rt.submit({"type": "issue_ticket", "service": "ZH" if i % 2 else "ZX", "at": clock()})
    rt.close()
    gw = Gateway(cfg, data, free_port(), mosquitto.port, embedded_broker=False,
                 without=("announcer", "kiosk", "screen", "clerk_console", "status_led", "upstream"))
    try:
        gw.start()
        wait_until(lambda: len(county_rows(pg, "village-k")) >= 300, timeout=60, what="part of the backlog")
        gw.kill()  # mid-shipment: batches in flight, acks unanswered, the cursor behind
        got = len(county_rows(pg, "village-k"))
        assert got < 2000, "the backlog was all through before the kill: make it larger"
        gw.start()
        wait_until(lambda: len(county_rows(pg, "village-k")) >= 2000, timeout=90, what="the rest")
        # the records the village logged itself after its restart (none refused) come too
        conn = sqlite3.connect(data / "hall.db")
        mine = conn.execute("SELECT seq, hash FROM commands ORDER BY seq").fetchall()
        conn.close()
        wait_until(lambda: county_rows(pg, "village-k")[:len(mine)] == mine, timeout=30, what="identical rows")
        with psycopg.connect(pg.dsn) as c:
            dups = c.execute("SELECT duplicates FROM sites WHERE hall_id = 'village-k'").fetchone()[0]
            n, distinct = c.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM records "
                                    "WHERE hall_id = 'village-k'").fetchone()
        assert n == distinct
        print(f"killed with {got} of 2000 at the county; {dups} duplicate(s) suppressed after the restart")
    finally:
        gw.stop()
        county.close()
