"""The clerks' 帮办代办 page in Chromium at the township: enrolled once with the clerk
token (never in a URL), a case the village sends up appears without a reload (pushed),
the township's clerk finishes it there, and the answer reaches the village."""
from __future__ import annotations

import threading

import pytest
import uvicorn
from fastapi import FastAPI

from gateway.engine import relay as rl
from gateway.mirror.api import router
from gateway.roles import install
from hil.services.mosquitto import free_port
from tests.mirror.tiers import Site, hall_text, mirror_section, parent_section, serve_one, wait_until

TOKEN = "clerk-token-of-the-township"


@pytest.fixture
def township(tmp_path, mosquitto):
    town = Site(hall_text("town-p", "township", parent_section("county-none", mosquitto.port)
                          + mirror_section(["village-p"])), tmp_path / "town", mosquitto.port)
    village = Site(hall_text("village-p", "village", parent_section("town-p", mosquitto.port)), tmp_path / "village",
                   mosquitto.port)
    app, closing = FastAPI(), threading.Event()
    install(app, tmp_path, clerk=TOKEN, supervisor="supervisor")  # the tokens, as the mirror's extension gives them
    app.include_router(router(town.rt, town.clock, lambda: {}, closing))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    wait_until(lambda: server.started, what="the page's server")
    yield town, village, f"http://127.0.0.1:{port}"
    closing.set()
    server.should_exit = True
    t.join(10)
    village.close()
    town.close()


def test_township_clerk_finishes_a_case_on_the_page(township, page_at):
    town, village, url = township
    page = page_at(1280, 900)
    page.goto(f"{url}/relays")
    page.wait_for_selector("#enrol", state="visible")
    assert TOKEN not in page.url
    page.fill("#token", TOKEN)
    page.click("#enrolbtn")
    page.wait_for_selector("#app:not([hidden])")
    assert page.context.cookies()[0]["httpOnly"]
    t = serve_one(village)
    assert village.submit({"type": "relay_case", "window": 1, "note": "低保材料请镇里审核"}).ok
    row = page.locator("#received tr", has_text=t["number"])
    row.wait_for(timeout=15_000)  # pushed: no reload
    assert "低保材料请镇里审核" in row.inner_text() and "待受理" in row.inner_text()
    page.select_option("#by", "v02")
    row.locator("input").fill("已审核通过")
    row.locator("button", has_text="办结").click()
    page.locator("#received tr", has_text="已办结").wait_for(timeout=15_000)
    done = wait_until(lambda: [r for r in village.rt.read(lambda e: rl.listing(e, "out")) if r["status"] == "done"],
                      what="the answer at the village")
    assert done[0]["result_note"] == "已审核通过" and done[0]["by"] == "v02"
