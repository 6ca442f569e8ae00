"""A village gateway (`hallgw run`, a real process) SIGKILLed while its backlog is on its way
to the county: after the restart every record is at the county, and counted from what the
county RECEIVED (the hub's tally of every row of every batch, not its table, which keys
(hall_id, seq) and cannot hold a repeat) it came once, sent again at most as many records as
were in flight at the kill (read from the village's cursor then) and a window per go-back the
village itself counted. And the count catches a village that re-sends everything after a
restart, which the county's rows cannot."""
from __future__ import annotations

import json
import urllib.request

import pytest

from gateway.config import load_text
from gateway.mirror import shipper
from gateway.outbox.store import connect
from gateway.outbox.stream import Cumulative
from gateway.runtime import DB_NAME, Runtime
from gateway.store import LogReader
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.mirror.tiers import (
    Clock,
    Site,
    check_shipped_once,
    county_rows,
    go_backs,
    hall_text,
    mirror_section,
    parent_section,
    received,
    reset_county,
    wait_until,
)

WINDOW = 200  # records a village sends beyond the county's acknowledgement


def shipper_counts(gw: Gateway) -> dict:
    req = urllib.request.Request(gw.url + "/api/v1/mirror",
                                 headers={"Authorization": f"Bearer {gw.supervisor_token()}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["parent"]["counts"]


def cursor_and_head(data, site: str) -> tuple[int, int]:
    """The village's acknowledged position (its cursor to the county) and its log's head."""
    conn = connect(data / DB_NAME, readonly=True)
    try:
        row = conn.execute("SELECT seq FROM outbox_cursor WHERE dest = ?", (f"parent:{site}",)).fetchone()
    finally:
        conn.close()
    with LogReader.open(data / DB_NAME) as log:
        return (row[0] if row else 0), log.head().seq


def village_rows(data) -> list[tuple[int, str]]:
    with LogReader.open(data / DB_NAME) as log:
        return [(seq, digest) for seq, _record, _prev, digest in log.links_after(0, 100000)]


def test_power_cut_mid_shipment(tmp_path, mosquitto, pg):
    reset_county(pg)
    county = Site(hall_text("county-k", "county", mirror_section(["village-k"], pg.dsn)), tmp_path / "county",
                  mosquitto.port)
    # A long ack time-out: no go-back but the kill's (each would allow a window of resends).
    text = hall_text("village-k", "village", parent_section("county-k", mosquitto.port, window=WINDOW,
                                                            ack_timeout_seconds=30))
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
        before = shipper_counts(gw)
        gw.kill()  # mid-shipment: batches in flight, acks unanswered, the cursor behind
        cursor, head = cursor_and_head(data, "village-k")
        at_kill = len(county_rows(pg, "village-k"))
        assert at_kill < 2000, "the backlog was all through before the kill: make it larger"
        in_flight = min(WINDOW, head - cursor)  # sent beyond the cursor: at most a window
        gw.start()
        # The village's own records, after the restart too (none refused): the last comes after
        # every record sent again, so when it is there, so are they.
        wait_until(lambda: county_rows(pg, "village-k") == village_rows(data), timeout=90, what="every record")
        after = shipper_counts(gw)
        got = check_shipped_once(county, pg, "village-k", village_rows(data),
                                 in_flight + WINDOW * (go_backs(before) + go_backs(after)))
        if at_kill > cursor:  # the county held records the village had no ack for: they came again
            assert got["extra"] >= 1, got
        print(f"killed with {at_kill} of 2000 at the county and the village's cursor at {cursor}: "
              f"{got['extra']} rows received again (at most {got['allowed']}), {got['rows']} in all")
    finally:
        gw.stop()
        county.close()


# -- the count catches what rows cannot ------------------------------------------------------------

def ship_restart_ship(tmp_path, port, pg):
    """A village ships 300 records, its shipper stops once the county has acknowledged them all
    and starts again, then one more record goes: (county, village, records, go-backs before the
    restart: the first shipper's own, which the restarted one does not count)."""
    reset_county(pg)
    county = Site(hall_text("county-r", "county", mirror_section(["village-r"], pg.dsn)), tmp_path / "county", port)
    village = Site(hall_text("village-r", "village", parent_section("county-r", port, window=WINDOW)),
                   tmp_path / "village", port)
    try:
        for i in range(300):
            village.submit({"type": "issue_ticket", "service": "ZH" if i % 2 else "ZX"})
        wait_until(lambda: county_rows(pg, "village-r") == village.rows(), timeout=60, what="the first 300")
        head = village.rows()[-1][0]
        wait_until(lambda: village.ext.shipper.describe()["streams"]["village-r"]["acked"] == head,
                   what="the county's acknowledgement")
        before = go_backs(village.ext.shipper.describe()["counts"])
        village.stop_mirror()
        village.start()  # a restart of the link (the gateway's, as far as shipping goes)
        village.submit({"type": "issue_ticket", "service": "ZH"})  # shipped after anything sent again
        wait_until(lambda: county_rows(pg, "village-r") == village.rows(), timeout=60, what="the one after")
        return county, village, village.rows(), before
    except BaseException:
        county.close()
        village.close()
        raise


def test_a_restart_sends_nothing_again(tmp_path, mosquitto, pg):
    county, village, rows, before = ship_restart_ship(tmp_path, mosquitto.port, pg)
    try:
        # A loaded machine may make the first shipper send a window again (no answer in time); the
        # restart itself may not send anything again.
        allowed = WINDOW * (before + go_backs(village.ext.shipper.describe()["counts"]))
        assert check_shipped_once(county, pg, "village-r", rows, allowed)["extra"] == 0
    finally:
        village.close()
        county.close()


def test_the_count_catches_a_village_that_resends_everything_after_a_restart(tmp_path, mosquitto, pg, monkeypatch):
    # The planted defect: a shipper that starts from nothing instead of its acknowledged cursor.
    def forgetful(self, site, tag, store, cfg, read):
        self.site, self.tag, self.store, self.read = site, tag, store, read
        self.cum = Cumulative(0, window=cfg.window, ack_timeout=cfg.ack_timeout_seconds)
    monkeypatch.setattr(shipper.Stream, "__init__", forgetful)
    county, village, rows, before = ship_restart_ship(tmp_path, mosquitto.port, pg)
    try:
        assert received(county, "village-r")["again"] >= 1  # arrived before the record after the restart
        # What the test looked at before: the county's rows, one per seq, identical to the village's.
        assert county_rows(pg, "village-r") == rows == village.rows()
        allowed = WINDOW * (before + go_backs(village.ext.shipper.describe()["counts"]))
        with pytest.raises(AssertionError, match="rows received again"):
            check_shipped_once(county, pg, "village-r", rows, allowed)
    finally:
        village.close()
        county.close()
