"""The tests' tiered world: hall files made from the village example (one or two windows
each), in-process runtimes with the mirror extension, and a wait helper."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from gateway.config import load_text
from gateway.extensions import mirror as mirror_ext
from gateway.runtime import Runtime
from tests.support import ROOT
from tests.support.context import context

VILLAGE = (ROOT / "hall_config" / "village.toml").read_text()
# Monday 10:00 in the hall's time zone: open hours, so tickets are issued and served
T0 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def hall_text(hall_id: str, tier: str, extra: str) -> str:
    text = VILLAGE.replace('id = "village-demo"', f'id = "{hall_id}"', 1).replace('tier = "village"',
                                                                                  f'tier = "{tier}"', 1)
    return text + "\n" + extra


def parent_section(parent: str, port: int, **more) -> str:
    keys = {"ack_timeout_seconds": 2, "status_seconds": 1, **more}
    lines = [f'id = "{parent}"', 'host = "127.0.0.1"', f"port = {port}"] + [f"{k} = {v}" for k, v in keys.items()]
    return "[parent]\n" + "\n".join(lines) + "\n"


def mirror_section(children: list[str], database: str = "", audit_seconds: float = 3600) -> str:
    kids = ", ".join(f'{{ id = "{c}" }}' for c in children)
    db = f'database = "{database}"\n' if database else ""
    return f"[mirror]\nchildren = [{kids}]\n{db}audit_seconds = {audit_seconds}\n"


class Site:
    """A hall in this process: its runtime and the mirror extension, on the test broker."""

    def __init__(self, text: str, data_dir: Path, port: int, login: dict | None = None):
        self.hall = load_text(text, f"{data_dir.name}.toml")
        self.login = login  # the gateway's broker login (credentials.json "gateway")
        self.data_dir = data_dir
        self.port = port
        self.clock = Clock()
        self.rt = Runtime(self.hall, data_dir)
        self.ext = None
        self.start()

    def start(self) -> None:
        creds = None
        if self.login:
            creds = self.data_dir / "credentials.json"
            creds.parent.mkdir(parents=True, exist_ok=True)
            creds.write_text(json.dumps({"gateway": self.login}))
        self.ext = mirror_ext.create(context(self.rt, self.data_dir, broker_host="127.0.0.1", broker_port=self.port,
                                             clock=self.clock, mqtt_credentials=creds))
        self.ext.start()

    def stop_mirror(self) -> None:
        self.ext.stop()

    def close(self) -> None:
        self.ext.stop()
        self.rt.close()

    def submit(self, cmd: dict):
        return self.rt.submit({"at": self.clock(), **cmd})

    def rows(self) -> list[tuple[int, str]]:
        conn = sqlite3.connect(self.data_dir / "hall.db")
        try:
            return conn.execute("SELECT seq, hash FROM commands ORDER BY seq").fetchall()
        finally:
            conn.close()


class Clock:
    def __init__(self, start: float = T0):
        self.t = start

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def reset_county(pg) -> None:
    import psycopg

    from gateway.mirror.pgstore import PgSites
    PgSites(pg.dsn).close()  # the schema
    with psycopg.connect(pg.dsn, autocommit=True) as c:
        c.execute("TRUNCATE sites, records, findings")


def county_rows(pg, site: str) -> list[tuple[int, str]]:
    import psycopg
    with psycopg.connect(pg.dsn) as c:
        return c.execute("SELECT seq, hash FROM records WHERE hall_id = %s ORDER BY seq", (site,)).fetchall()


def wait_until(pred, timeout: float = 30.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def serve_one(site: Site, window: int = 1, staff_code: str = "2001") -> dict:
    """A citizen served at a window: the ticket, then login, call, start, finish."""
    t = site.submit({"type": "issue_ticket", "service": "ZH"}).result
    for cmd in ({"type": "login", "staff_code": staff_code}, {"type": "call_next"}, {"type": "start"},
                {"type": "finish"}):
        out = site.submit({"window": window, **cmd})
        assert out.ok or "logged in" in (out.refusal or ""), out.refusal
    return t


# -- "exactly once", counted from what the parent RECEIVED ------------------------------------------
# The county's records table keys (hall_id, seq): it cannot hold a repeat, so counting its rows
# proves nothing about resends. The hub counts every row of every batch as it arrives
# (Hub.received: rows = new + again + gap + refused + unstored, + audit rows it asked for).

def received(parent: Site, site: str) -> dict:
    return dict(parent.ext.hub.received.get(site) or {})


def go_backs(counts: dict) -> int:
    """Times a shipper (its describe()["counts"]) went back to the acknowledged position: no answer
    in time, a gap, a new connection with records in flight. Each may send a window again."""
    return counts.get("resends", 0) + counts.get("gaps", 0) + counts.get("go_backs", 0)


def check_shipped_once(parent: Site, pg, site: str, rows: list[tuple[int, str]], allowed: int) -> dict:
    """Every record of the site (rows: its (seq, hash) as the site holds them) is at the county and
    was new there once; the rows received beyond that (sent again, or dropped as a gap) are at most
    `allowed`: what the site could not have known the county held (in flight at a kill, a window per
    go-back). Raises AssertionError; returns the counts."""
    assert county_rows(pg, site) == rows, "the county's copy differs from the site's log"
    got = received(parent, site)
    assert got["new"] == len(rows), got
    extra = got["rows"] - got["new"] - got["audit"]
    assert extra <= allowed, f"{extra} rows received again (or dropped), at most {allowed} could be: {got}"
    return {**got, "extra": extra, "allowed": allowed}
