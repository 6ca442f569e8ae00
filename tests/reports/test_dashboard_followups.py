"""The 差评 loop on the supervisor's dashboard, in headless Chromium against the real gateway:
a 差评 from the window's evaluator (MQTT, as a device sends it) appears on the panel in the
hall's words; supervisor A (高洁) starts rectification, records a 回访 and asks for 无效差评;
A's own approval is refused with a Chinese message; supervisor B (邓华) approves. B's page,
open throughout, receives every change pushed; the command log has every command with who
gave it. And the window tiles: no line wraps or is cut at 1366x768 or 1920x1080."""
import json
import sqlite3

import pytest
from playwright.sync_api import expect

from gateway.devices.client import DeviceClient
from protocols import events
from tests.reports.dashhall import HALL, PUSH_MS, act, login_code, start_gateway
from tests.support.browser_shots import screenshot
from tests.support.words import configured_words, english_or_iso

A, B = next(s for s in HALL.staff if s.id == "s047"), next(s for s in HALL.staff if s.id == "s048")
WINDOW = 3


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    gw = start_gateway(tmp_path_factory.mktemp("dashboard-followups"))
    yield gw
    gw.stop()


def bad_rating(gw, window: int, level: int, reasons: list[str]) -> str:
    """A service at the window and its rating from the window's evaluator; the ticket number."""
    act(gw, window, action="login", staff_code=login_code(window))
    gw.take_ticket({"service": HALL.window(window).services[0]})
    number = act(gw, window, action="call_next")["number"]
    act(gw, window, action="start")
    act(gw, window, action="finish", case_type="immediate")
    prompt = act(gw, window, action="request_evaluation")["prompt"]
    ev = DeviceClient(HALL.id, f"w{window:02d}-eval", "127.0.0.1", gw.broker_port, "evaluator")
    try:
        ev.wait(lambda d: d.get("prompt") == prompt)
        now = int(gw.now())
        ev.send(events.rating(ev.dev, ev.ids.boot, ev.ids.next(), now, prompt, level, now, reasons))
        ev.wait(lambda d: prompt in (d.get("acked") or []))
    finally:
        ev.close()
    return number


def dashboard(gw, page_at, who=None, width=1920, height=1080):
    page = page_at(width, height)
    page.goto(f"{gw.url}/dashboard?key={gw.supervisor}")
    expect(page.locator("body")).to_have_attribute("data-stale", "false", timeout=PUSH_MS)
    if who is not None:
        expect(page.locator("#fu-who")).to_have_text("监管人员：未登录")
        page.fill("#fu-code", who.login_code)
        page.click("#fu-signin button")
        expect(page.locator("#fu-who")).to_have_text(f"当前监管人员：{who.name}")
    return page


def followup_commands(gw) -> list[tuple]:
    conn = sqlite3.connect(f"file:{gw.data_dir / 'hall.db'}?mode=ro", uri=True)
    try:
        records = [json.loads(r) for (r,) in conn.execute("SELECT record FROM commands ORDER BY seq")]
    finally:
        conn.close()
    return [(r["cmd"]["action"], r["cmd"]["by"], r["cmd"].get("role"), r["outcome"]["ok"], r["cmd"])
            for r in records if r["cmd"]["type"] == "followup"]


def test_the_follow_up_loop_on_the_dashboard(gateway, page_at):
    gw = gateway
    a = dashboard(gw, page_at, A)
    b = dashboard(gw, page_at, B)  # open throughout: every change must reach it pushed
    boots = [p.evaluate("window.dashboardBootId") for p in (a, b)]
    expect(a.locator("#fu-none")).to_be_visible()

    number = bad_rating(gw, WINDOW, 2, ["01", "02"])
    clerk = next(s.name for s in HALL.staff if s.id == HALL.window(WINDOW).post_a)
    cards = [p.locator(".fu-item") for p in (a, b)]
    for card in cards:
        expect(card).to_have_count(1, timeout=PUSH_MS)
        expect(card.locator(".fu-num")).to_have_text(f"{number}号")
        expect(card.locator(".fu-win")).to_have_text(f"{WINDOW}号窗口")
        expect(card.locator(".fu-staff")).to_have_text(clerk)
        expect(card.locator(".fu-lvl")).to_have_text("不满意")
        expect(card.locator(".fu-reasons")).to_have_text("差评原因：服务态度差、办事效率低")
        expect(card.locator(".fu-state")).to_have_text("待整改")
        expect(card.locator(".due.contact")).to_contain_text("联系时限 ")
        expect(card.locator(".due.contact")).to_contain_text(" 23:59")
        expect(card.locator(".fu-l2")).to_contain_text("综合受理 · 评价于 ")
    card_a, card_b = cards
    info = card_a.locator(".fu-info").inner_text()
    for raw in ("s0", "F1", "pending", "level", "T", "Z"):  # no code, English word or ISO time
        assert raw not in info, (raw, info)
    expect(b.locator("#fu-open")).to_have_text("1")

    # A starts rectification.
    card_a.locator('button[data-act="start"]').click()
    expect(card_a.locator(".fu-msg")).to_have_text(f"{A.name}：{number}号差评 已开始整改")
    expect(card_b.locator(".fu-state")).to_have_text("整改中", timeout=PUSH_MS)
    expect(card_b.locator(".fu-steps li").last).to_contain_text(f"{A.name} 开始整改")

    # A records a 回访: time (the gateway's now, filled in) and result.
    card_a.locator('button[data-act="callback"]').click()
    form = card_a.locator(".fu-form")
    called = form.locator('input[name="called_at"]').input_value()
    assert len(called) == 16 and called[4] == "-" and called[10] == " "  # 2026-12-09 10:00, the hall's now
    form.locator('select[name="result"]').select_option("reached")
    form.locator('input[name="note"]').fill("电话联系，群众说明是误按")
    form.locator('button[type="submit"]').click()
    expect(card_a.locator(".fu-msg")).to_have_text(f"{A.name}：{number}号差评 已记录回访")
    expect(form).to_be_hidden()
    y, m, d, hh, mm = int(called[:4]), int(called[5:7]), int(called[8:10]), called[11:13], called[14:16]
    expect(card_b.locator(".fu-steps li").last).to_have_text(
        f"{y}年{m}月{d}日 {hh}:{mm} {A.name} 回访：已联系上（电话联系，群众说明是误按）", timeout=PUSH_MS)
    expect(card_b.locator(".due.contact")).to_contain_text("已联系")

    # A asks for 无效差评: the reason is required.
    card_a.locator('button[data-act="request_invalid"]').click()
    form.locator("textarea").fill("群众误按，回访确认对服务满意")
    form.locator('button[type="submit"]').click()
    expect(card_b.locator(".fu-state")).to_have_text("无效差评(待审核)", timeout=PUSH_MS)
    expect(card_b.locator(".fu-request")).to_contain_text(f"待审核：{A.name} 于 ")
    expect(card_b.locator(".fu-request")).to_contain_text("申请无效差评，理由：群众误按，回访确认对服务满意")
    card_a.scroll_into_view_if_needed()
    screenshot(a, "dashboard-followups")

    # A cannot approve A's own request (four eyes): refused, said in Chinese, nothing changes.
    card_a.locator('button[data-act="approve"]').click()
    expect(card_a.locator(".fu-msg.bad")).to_have_text(
        f"不能审核自己提出的申请：{A.name}申请的「无效差评」须由另一位监管人员批准（四眼原则）")
    expect(card_a.locator(".fu-state")).to_have_text("无效差评(待审核)")

    # B approves: settled on both pages.
    card_b.locator('button[data-act="approve"]').click()
    expect(card_b.locator(".fu-msg")).to_have_text(f"{B.name}：{number}号差评 已批准无效差评")
    for card in cards:
        expect(card.locator(".fu-state")).to_have_text("已办结 · 无效差评", timeout=PUSH_MS)
        expect(card.locator(".fu-steps li").last).to_contain_text(f"{B.name} 批准无效差评")
        expect(card.locator("button[data-act]")).to_have_count(1)  # a 回访 may still be recorded
    expect(a.locator("#fu-open")).to_have_text("0")
    assert [p.evaluate("window.dashboardBootId") for p in (a, b)] == boots  # pushed: never reloaded
    for p in (a, b):  # the whole dashboard as the supervisors read it: Chinese, names, local times
        assert english_or_iso(p.inner_text("body"), configured_words(HALL)) == []

    # The log: every command, by who gave it, the refused one too.
    got = [(action, by, role, ok) for action, by, role, ok, _ in followup_commands(gw)]
    assert got == [("start", "s047", "supervisor", True), ("callback", "s047", "supervisor", True),
                   ("request_invalid", "s047", "supervisor", True), ("approve", "s047", "supervisor", False),
                   ("approve", "s048", "supervisor", True)]
    callback = followup_commands(gw)[1][4]
    assert callback["result"] == "reached" and callback["called_at"] <= callback["at"]


def test_without_signing_in_nothing_can_be_done(gateway, page_at):
    page = dashboard(gateway, page_at)
    expect(page.locator("#fu-who")).to_have_text("监管人员：未登录")
    expect(page.locator(".fu-item")).not_to_have_count(0, timeout=PUSH_MS)
    for button in page.locator(".fu-item button[data-act]").all():
        expect(button).to_be_disabled()
    page.fill("#fu-code", login_code(WINDOW))  # a clerk's code is no supervisor's
    page.click("#fu-signin button")
    expect(page.locator("#fu-desk-msg")).to_contain_text("登录码错误，或不是监管人员的登录码")
    expect(page.locator("#fu-who")).to_have_text("监管人员：未登录")


# Lines of text in the window tiles and the band: none may be cut (wider than its box) or
# wrapped (taller than one line).
MEASURE = """() => [...document.querySelectorAll('.win > div, .win .st, #band .tile')].map(el => {
  const lh = parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.4;
  return {text: el.textContent, cut: el.scrollWidth > el.clientWidth + 1,
          lines: Math.round(el.getBoundingClientRect().height / lh)};
})"""


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_window_tiles_fit_on_one_line_each(gateway, page_at, size):
    gw = gateway
    # The longest lines a tile shows: the longest window name, a pause with its reason and
    # end, a clerk serving a ticket for minutes, a call, an idle window.
    longest = max(HALL.windows, key=lambda w: len(w.display_text)).number
    for n in (longest, 19, 1, 21):
        if gw.get("/api/v1/windows")[n - 1]["status"] == "closed":  # the second size: still logged in
            act(gw, n, action="login", staff_code=login_code(n))
    w = {x["number"]: x for x in gw.get("/api/v1/windows")}
    if w[longest]["status"] == "idle":
        act(gw, longest, action="pause", reason=max(HALL.queue.pause_reasons, key=len), until="16:30")
    if w[19]["status"] == "idle":
        gw.take_ticket({"service": HALL.window(19).services[0]})
        act(gw, 19, action="call_next")
        act(gw, 19, action="start")
    if w[1]["status"] == "idle":
        gw.take_ticket({"service": HALL.window(1).services[0]})
        act(gw, 1, action="call_next")
    page = dashboard(gw, page_at, width=size[0], height=size[1])
    expect(page.locator(f'.win[data-window="{longest}"]')).to_have_attribute("data-status", "paused", timeout=PUSH_MS)
    expect(page.locator('.win[data-window="19"]')).to_have_attribute("data-status", "serving")
    expect(page.locator(f'.win[data-window="{longest}"] .what')).to_contain_text("暂停 ")
    expect(page.locator(f'.win[data-window="{longest}"] .who')).to_contain_text("预计16:30恢复")
    lines = page.evaluate(MEASURE)
    assert len(lines) == 3 * len(HALL.windows) + len(HALL.windows) + 6
    bad = [x for x in lines if x["cut"] or x["lines"] != 1]
    assert bad == [], bad
    if size == (1920, 1080):
        screenshot(page, "dashboard-1920x1080")
    else:
        screenshot(page, "dashboard-1366x768")
