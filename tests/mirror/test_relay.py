"""帮办代办 up the tiers and back: a village clerk sends a case up, the township's clerks
see it and hand it on to the county, the county finishes it, and the answer comes back
down to the township and the village; meanwhile the township forwards the village's
whole log, so the county holds every site's records."""
from __future__ import annotations

import pytest

from gateway.engine import relay as rl
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


@pytest.fixture
def tiers(tmp_path, mosquitto, pg):
    reset_county(pg)
    port = mosquitto.port
    county = Site(hall_text("county-r", "county", mirror_section(["town-r"], pg.dsn)), tmp_path / "county", port)
    town = Site(hall_text("town-r", "township", parent_section("county-r", port) + mirror_section(["village-r"])),
                tmp_path / "town", port)
    village = Site(hall_text("village-r", "village", parent_section("town-r", port)), tmp_path / "village", port)
    yield county, town, village
    for s in (village, town, county):
        s.close()


def relays(site: Site, direction: str) -> list[dict]:
    return site.rt.read(lambda eng: rl.listing(eng, direction))


def test_case_goes_up_two_tiers_and_its_answer_comes_down(tiers, pg, mosquitto):
    county, town, village = tiers
    t = serve_one(village)
    out = village.submit({"type": "relay_case", "window": 1, "note": "低保申请材料需镇里审核"})
    assert out.ok, out.refusal
    rid = out.result["relay"]
    got = wait_until(lambda: relays(town, "in"), what="the case at the township")
    assert got[0]["relay"] == rid and got[0]["number"] == t["number"] and got[0]["status"] == "received"
    assert got[0]["note"] == "低保申请材料需镇里审核" and got[0]["from"] == "village-r"
    assert town.submit({"type": "relay_handle", "relay": rid, "action": "accept", "by": "v01"}).ok
    up = town.submit({"type": "relay_escalate", "relay": rid, "note": "需县民政局审批", "by": "v01"})
    assert up.ok, up.refusal
    at_county = wait_until(lambda: relays(county, "in"), what="the case at the county")
    assert at_county[0]["relay"] == f"town-r:{rid}" and at_county[0]["origin_hall"] == "village-r"
    mosquitto.restart(0.3)  # the answer must come down all the same
    done = county.submit({"type": "relay_handle", "relay": at_county[0]["relay"], "action": "done", "by": "v02",
                          "note": "已审批，材料寄回镇中心"})
    assert done.ok, done.refusal
    answered = wait_until(lambda: [r for r in relays(village, "out") if r["status"] == "done"],
                          timeout=60, what="the answer at the village")
    assert answered[0]["result_note"] == "已审批，材料寄回镇中心" and answered[0]["status_cn"] == "已办结"
    mid = relays(town, "in")[0]
    assert mid["status"] == "done" and mid["by"].startswith("county-r:")
    assert [r["status"] for r in relays(town, "out")] == ["done"]
    # exactly once: one answer event in each hall, however often the messages came
    for site, kind in ((village, "relay_answered"), (town, "relay_answered"), (town, "relay_received"),
                       (county, "relay_received")):
        n = sum(1 for rec in site.rt.store.records_after(0) for e in rec["outcome"].get("events") or ()
                if e["type"] == kind)
        assert n == 1, (site.hall.id, kind, n)
    # the county holds all three logs, the village's through the township
    for site in (village, town):
        wait_until(lambda s=site: county_rows(pg, s.hall.id) == s.rows(), timeout=30, what=f"{site.hall.id}'s log")
    vias = {s["hall_id"]: s["via"] for s in county.ext.describe()["sites"]}
    assert vias == {"town-r": "town-r", "village-r": "town-r"}


def test_a_case_is_refused_where_it_cannot_go(tiers):
    county, town, village = tiers
    out = village.submit({"type": "relay_case", "window": 2, "note": "x"})
    assert not out.ok and "not logged in" in out.refusal
    serve_one(county)
    out = county.submit({"type": "relay_case", "window": 1, "note": "x"})
    assert not out.ok and "no parent" in out.refusal
    out = town.submit({"type": "relay_handle", "relay": "nope", "action": "done", "by": "v01"})
    assert not out.ok and "no case" in out.refusal
    serve_one(village)
    rid = village.submit({"type": "relay_case", "window": 1, "note": "x"}).result["relay"]
    wait_until(lambda: relays(town, "in"), what="the case at the township")
    out = town.submit({"type": "relay_handle", "relay": rid, "action": "done", "by": "nobody"})
    assert not out.ok and "unknown staff member" in out.refusal
