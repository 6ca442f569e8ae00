"""The county reports a village's ratings to the province instead of the village: with the
county's adapter and secret and the village's hall file, from the handoff on (what the
village's own outbox had looked at stays the village's), each rating once."""
from __future__ import annotations

from gateway.extensions import county as county_ext
from gateway.extensions.ports import MIRROR_HUB
from gateway.outbox.store import OutboxStore
from gateway.upstream.secret import write_secret
from hil.province.control import Province
from hil.province.hall_file import with_upstream
from tests.mirror.tiers import Site, hall_text, mirror_section, parent_section, reset_county, wait_until
from tests.support.context import context


def rate(site: Site, level: int) -> str:
    out = site.submit({"type": "issue_ticket", "service": "ZH", "matter": "330681-CZ-001"})
    assert out.ok, out.refusal
    for cmd in ({"type": "login", "staff_code": "2001"}, {"type": "call_next"}, {"type": "start"},
                {"type": "finish"}):
        site.submit({"window": 1, **cmd})
    prompt = site.submit({"type": "request_evaluation", "window": 1}).result["prompt"]
    assert site.submit({"type": "rate", "window": 1, "prompt": prompt, "level": level,
                        "reasons": ["01"] if level < 3 else []}).ok
    return prompt


def test_county_reports_the_village_ratings_from_the_handoff(tmp_path, mosquitto, pg):
    reset_county(pg)
    secret = tmp_path / "province.secret"
    write_secret(secret, "secret-of-the-province")
    with Province(tmp_path / "province", "county-p", "secret-of-the-province") as prov:
        vtext = hall_text("village-p", "village", parent_section("county-p", mosquitto.port,
                                                                 ratings_via_parent="true"))
        (tmp_path / "village-p.toml").write_text(vtext)
        village = Site(vtext, tmp_path / "village", mosquitto.port)
        before = rate(village, 5)
        # the village's own outbox had looked at everything so far when it switched to the county
        OutboxStore(village.data_dir / "hall.db", "province").take(village.rt.store.seq, [])
        village.stop_mirror()
        village.start()
        after = [rate(village, 2), rate(village, 4)]
        ctext = hall_text("county-p", "county", mirror_section(["village-p"], pg.dsn).replace(
            '{ id = "village-p" }', f'{{ id = "village-p", config = "{tmp_path / "village-p.toml"}" }}')
            + "province = true\n")
        ctext = with_upstream(ctext, prov.url, "county-p", secret, retry_max=1)
        county = Site(ctext, tmp_path / "county", mosquitto.port)
        view = county_ext.create(context(county.rt, county.data_dir, ports={MIRROR_HUB: county.ext.hub}))
        view.start()
        try:
            got = wait_until(lambda: len(prov.records()) >= 2 and prov.records(), timeout=60,
                             what="the ratings at the province")
            def state():
                site = next((x for x in view.view()["sites"] if x["site"] == "village-p"), None)
                return (site or {}).get("province_by_county") or {}
            # two ratings and the follow-up the 差评 opened (the reference interface takes follow-ups)
            wait_until(lambda: state().get("delivered") == 3, what="the county's delivery state")
            assert state()["since"] > 0 and state()["dead_letter"] == 0
            tag = village.rows()[0][1][:8]
            assert sorted(r["eval_id"] for r in got) == sorted(f"village-p-{tag}-{p}" for p in after)
            assert f"village-p-{tag}-{before}" not in {r["eval_id"] for r in got}  # the village's own
            assert {r["record"]["hall_id"] for r in got} == {"village-p"}
            assert {r["record"]["level"] for r in got} == {2, 4}
            assert [f["eval_id"] for f in prov.followups()] == [f"village-p-{tag}-{after[0]}"]
        finally:
            view.stop()
            village.close()
            county.close()
