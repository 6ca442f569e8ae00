"""The county's view of its sites: the live picture folded from the records it received
(queues, calls, ratings, alerts), the county hall's own log beside the sites', reports
across sites from each site's own reporting fold, and the dashboard's API and stream
behind the supervisor's token."""
from __future__ import annotations

import threading

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.cli import main
from gateway.extensions import county as county_ext
from gateway.extensions.ports import MIRROR_HUB
from hil.services.mosquitto import free_port
from tests.mirror.tiers import (
    Site,
    county_rows,
    hall_text,
    mirror_section,
    parent_section,
    reset_county,
    serve_one,
    wait_until,
)
from tests.support import ROOT
from tests.support.context import context

TOKEN = "supervisor-token-of-the-county"


def test_county_dashboard_shows_each_site(tmp_path, mosquitto, pg, page_at, capsys):
    reset_county(pg)
    vtext = hall_text("village-c", "village", parent_section("county-c", mosquitto.port))
    (tmp_path / "village-c.toml").write_text(vtext)
    ctext = hall_text("county-c", "county", mirror_section(["village-c"], pg.dsn)
                      + f'hall_files = ["{tmp_path / "village-c.toml"}"]\n')
    county = Site(ctext, tmp_path / "county", mosquitto.port)
    village = Site(vtext, tmp_path / "village", mosquitto.port)
    app = FastAPI()
    closing = threading.Event()
    view = county_ext.create(context(county.rt, county.data_dir, app=app, tokens={"supervisor": TOKEN},
                                     closing=closing, ports={MIRROR_HUB: county.ext.hub}))
    view.start()
    try:
        for _ in range(3):
            serve_one(village)
        village.submit({"type": "request_evaluation", "window": 1})
        prompt = village.rt.read(lambda eng: next(iter(eng.prompts)))
        assert village.submit({"type": "rate", "window": 1, "prompt": prompt, "level": 1, "reasons": ["01"]}).ok
        village.submit({"type": "issue_ticket", "service": "ZX"})
        serve_one(county)
        wait_until(lambda: county_rows(pg, "village-c") == village.rows(), what="the village's records")
        wait_until(lambda: county_rows(pg, "county-c") == county.rows(), what="the county's own records")
        c = TestClient(app)
        assert c.get("/api/v1/county").status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}

        def site(name):
            got = c.get("/api/v1/county", headers=auth).json()
            return next((s for s in got["sites"] if s["site"] == name and s["live"]), None)
        v = wait_until(lambda: (x := site("village-c")) and x["live"]["seq"] == len(village.rows()) and x,
                       what="the village folded")
        live = v["live"]
        assert (live["issued"], live["served"], live["waiting_total"]) == (4, 3, 1)
        assert live["ratings"]["rated"] == 1 and live["ratings"]["bad"] == 1 and live["satisfaction_pct"] == 0.0
        assert live["followups_open"] == 1  # the 差评 opened a follow-up at the village
        assert live["calls"][0]["number"] == "A003" and v["via"] == "village-c" and v["findings"] == 0
        assert site("county-c")["live"]["served"] == 1
        rep = c.get("/api/v1/county/report?period=day&date=2026-12-07", headers=auth).json()
        rows = {r["site"]: r for r in rep["sites"]}
        assert rows["village-c"]["figures"]["served"] == 3 and rows["county-c"]["figures"]["served"] == 1
        assert rep["totals"]["served"] == 4 and rep["totals"]["bad"] == 1
        assert c.get("/api/v1/county/report?period=fortnight", headers=auth).status_code == 422
        page = c.get(f"/county?key={TOKEN}", follow_redirects=False)
        # The county page's own signed cookie (not the hall dashboard's, and never the token)
        assert page.status_code == 303 and "hall_county=" in page.headers["set-cookie"]
        assert TOKEN not in page.headers["set-cookie"]
        assert "县级政务服务监管" in c.get("/county").text  # the cookie opens the page now
        with c.stream("GET", "/api/v1/stream/county") as s:
            head = b""
            for chunk in s.iter_bytes():
                head += chunk
                if b"event: update" in head and b"\n\n" in head.split(b"event: update", 1)[1]:
                    break
        assert b'"village-c"' in head
        # the page itself, in Chromium: every site a row, its figures as text
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        t = threading.Thread(target=server.run, daemon=True)
        t.start()
        wait_until(lambda: server.started, what="the dashboard's server")
        try:
            page = page_at(1920, 1080)
            page.goto(f"http://127.0.0.1:{port}/county?key={TOKEN}")
            assert TOKEN not in page.url  # the key leaves the address bar
            row = page.locator("#sites tr", has_text="village-c")
            row.wait_for(timeout=15_000)
            wait_until(lambda: "某某村便民服务站" in row.inner_text(), what="the village's status on the page")
            text = row.inner_text()
            assert "4 / 3 / 3" in text and "1 / 0% / 1" in text  # issued / called / served; rated / satisfied / 差评
            page.click("#go")
            page.locator("#report tr.total").wait_for(timeout=15_000)
            assert "合计" in page.locator("#report").inner_text()
        finally:
            closing.set()
            server.should_exit = True
            t.join(10)
        # the command line: every site from the database; a county file without [mirror] is refused
        (tmp_path / "county-c.toml").write_text(ctext)
        assert main(["county", "status", "--config", str(tmp_path / "county-c.toml")]) == 0
        out = capsys.readouterr().out
        assert "village-c" in out and "county-c" in out and "findings 0" in out
        assert main(["county", "run", "--config", str(ROOT / "hall_config" / "county.toml")]) == 2
    finally:
        closing.set()
        view.stop()
        village.close()
        county.close()
