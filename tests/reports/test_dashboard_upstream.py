"""The 好差评上报 panel of the supervisor's dashboard, in headless Chromium against the real gateway
(`hallgw run`) delivering to the emulated province (a real subprocess):

- a province that lists praise tags for every level: the ratings are delivered, the panel warns
  in Chinese that the content cannot tell the level map's direction; a page whose supervisor has
  not signed in cannot confirm; supervisor 高洁 confirms, the command log has it with who, and the
  warning is gone on every open page (pushed);
- a level map the wrong way round against a standard province: delivery held, the panel says
  why in Chinese, and offers nothing to confirm."""
import json
import sqlite3

import pytest
from playwright.sync_api import expect

from hil.day.clock import day_start
from hil.province.control import Province
from hil.province.hall_file import write_hall_file
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.reports.dashhall import CONFIG, HALL, PUSH_MS, act, login_code
from tests.support.browser_shots import screenshot
from tests.support.words import configured_words, english_or_iso
from tests.upstream.test_delivery import GB
from tests.upstream.uphall import APP_KEY, SECRET

A = next(s for s in HALL.staff if s.id == "s047")
WINDOW = 1


def start(tmp, praise_tags: bool, level_map: str | None = None):
    import time
    province = Province(tmp / "province", APP_KEY, SECRET, praise_tags=praise_tags).start()
    kw = {"level_map": level_map} if level_map else {}
    config = write_hall_file(CONFIG, tmp / "hall.toml", province, retry_max=1, **kw)
    _, t0 = day_start(HALL, 10)
    real = time.time()
    gw = Gateway(config, tmp / "gw", free_port(), free_port(), clock=(t0, 1.0, real),
                 without=("announcer", "status_led")).start()
    gw.supervisor = (gw.data_dir / "supervisor_token").read_text().strip()
    gw.clerk = (gw.data_dir / "api_token").read_text().strip()
    return gw, province


@pytest.fixture(scope="module")
def praising(tmp_path_factory):
    gw, province = start(tmp_path_factory.mktemp("praise"), praise_tags=True)
    yield gw, province
    gw.stop()
    province.stop()


@pytest.fixture(scope="module")
def reversed_map(tmp_path_factory):
    gw, province = start(tmp_path_factory.mktemp("reversed"), praise_tags=False, level_map=GB)
    yield gw, province
    gw.stop()
    province.stop()


def rated(gw, level: int, reasons=()) -> None:
    """A citizen served at window 1 who rates by the code on the ticket (补充评价)."""
    t = gw.post("/api/v1/tickets", {"service": "ZH", "matter": "330681-ZH-001"}, token=gw.clerk)
    act(gw, WINDOW, action="login", staff_code=login_code(WINDOW))
    for action in ("call_next", "start", "finish", "logout"):
        act(gw, WINDOW, action=action)
    gw.post("/api/v1/ratings/supplementary", {"code": t["sup_code"], "level": level, "reasons": list(reasons)})


def dashboard(gw, page_at, who=None):
    page = page_at(1920, 1080)
    page.goto(f"{gw.url}/dashboard?key={gw.supervisor}")
    expect(page.locator("body")).to_have_attribute("data-stale", "false", timeout=PUSH_MS)
    if who is not None:
        page.fill("#fu-code", who.login_code)
        page.click("#fu-signin button")
        expect(page.locator("#fu-who")).to_have_text(f"当前监管人员：{who.name}")
    return page


def commands(gw, kind: str) -> list[dict]:
    conn = sqlite3.connect(f"file:{gw.data_dir / 'hall.db'}?mode=ro", uri=True)
    try:
        recs = [json.loads(r) for (r,) in conn.execute("SELECT record FROM commands ORDER BY seq")]
    finally:
        conn.close()
    return [r["cmd"] for r in recs if r["cmd"]["type"] == kind]


MAP_CN = "本厅等级对应：非常满意→省平台5级，满意→省平台4级，基本满意→省平台3级，不满意→省平台2级，非常不满意→省平台1级"


def test_praise_tags_deliver_warn_and_a_supervisor_confirms(praising, page_at):
    gw, province = praising
    a = dashboard(gw, page_at, A)
    b = dashboard(gw, page_at)  # nobody signed in here; open throughout: every change reaches it pushed
    rated(gw, 5)
    rated(gw, 4)
    for p in (a, b):
        expect(p.locator("#upstream")).to_contain_text("已上报 2", timeout=PUSH_MS)
        expect(p.locator("#upstream")).not_to_contain_text("暂停")
        expect(p.locator("#upstream-map")).to_have_attribute("data-state", "unclear", timeout=PUSH_MS)
        expect(p.locator("#upstream-map-text")).to_contain_text("省平台为每个评价等级都列出了评价标签（含好评标签）")
        expect(p.locator("#upstream-map-text")).to_contain_text("评价照常上报")
        expect(p.locator("#upstream-map-list")).to_have_text(MAP_CN)
        expect(p.locator("#upstream-confirm")).to_be_visible()
    assert len(province.records()) == 2
    panel = a.locator("#upstream-panel")
    assert english_or_iso(panel.inner_text(), configured_words(HALL)) == []
    panel.scroll_into_view_if_needed()
    screenshot(a, "dashboard-upstream-praise-warning")

    # Nobody signed in at B: nothing is confirmed, and B is told why.
    b.click("#upstream-confirm")
    expect(b.locator("#upstream-confirm-msg")).to_have_text("请先以监管人员身份登录（输入本人登录码）")
    assert commands(gw, "confirm_level_map") == []

    # 高洁 confirms at A: logged with who; the warning is gone at A at once, at B by the push.
    a.click("#upstream-confirm")
    expect(a.locator("#upstream-confirm-msg")).to_have_text(f"{A.name}已确认好差评等级对应")
    for p in (a, b):
        expect(p.locator("#upstream-map")).to_have_attribute("data-state", "confirmed", timeout=PUSH_MS)
        expect(p.locator("#upstream-map-text")).to_contain_text(f"等级对应已由{A.name}于 ")
        expect(p.locator("#upstream-map-text")).not_to_have_class("alert")
        expect(p.locator("#upstream-confirm")).to_be_hidden()
    when = a.locator("#upstream-map-text").inner_text()
    assert when.endswith(" 确认。") and when[len(f"等级对应已由{A.name}于 "):][:4].isdigit(), when
    got = commands(gw, "confirm_level_map")
    assert [(c["by"], c["role"], c["map"]) for c in got] == [("s047", "supervisor", "1=1,2=2,3=3,4=4,5=5")]
    assert got[0]["platform"].startswith("hcp-json http://127.0.0.1:")
    screenshot(a, "dashboard-upstream-confirmed")
    # confirmed once, there is nothing left to confirm
    status = a.evaluate("""() => fetch('/api/v1/dashboard/upstream/confirm-level-map', {method: 'POST',
        credentials: 'same-origin'}).then(r => r.json().then(b => [r.status, b.detail]))""")
    assert status == [409, "等级对应已经确认过"]
    rated(gw, 3)
    expect(a.locator("#upstream")).to_contain_text("已上报 3", timeout=PUSH_MS)


def test_a_map_the_wrong_way_round_is_held_and_says_why(reversed_map, page_at):
    gw, province = reversed_map
    page = dashboard(gw, page_at, A)
    rated(gw, 5)
    expect(page.locator("#upstream-map")).to_have_attribute("data-state", "reversed", timeout=PUSH_MS)
    expect(page.locator("#upstream")).to_contain_text("待上报 1", timeout=PUSH_MS)
    expect(page.locator("#upstream")).to_contain_text("暂停上报")
    expect(page.locator("#upstream-map-text")).to_contain_text("等级对应很可能写反了。好差评上报已暂停")
    expect(page.locator("#upstream-map-list")).to_contain_text("非常满意→省平台1级")
    expect(page.locator("#upstream-confirm")).to_be_hidden()
    panel = page.locator("#upstream-panel")
    assert english_or_iso(panel.inner_text(), configured_words(HALL)) == []
    panel.scroll_into_view_if_needed()
    screenshot(page, "dashboard-upstream-held")
    status = page.evaluate("""() => fetch('/api/v1/dashboard/upstream/confirm-level-map', {method: 'POST',
        credentials: 'same-origin'}).then(r => r.json().then(b => [r.status, b.detail]))""")
    assert status == [409, "省平台的评价内容表明等级对应写反了，不能确认；请维护人员改正大厅配置文件"]
    assert province.records() == [] and commands(gw, "confirm_level_map") == []
