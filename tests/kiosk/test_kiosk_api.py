"""The kiosk's API over a real runtime and store with the emulated printer on a TCP port: a
printed ticket, on screen only when the printer is out before, voided (and never called) when
it runs out while printing or after, and never "ok" on a printer that does not answer."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.api.refusals import install
from gateway.config import load_text
from gateway.kiosk import qr
from gateway.kiosk.api import router
from gateway.kiosk.service import KioskService
from gateway.roles import install as install_roles
from gateway.runtime import Runtime
from hil.printer import PrinterEmulator
from tests.kiosk import halls
from tests.support.hallday import MONDAY_9, ROOT, StepClock
from tests.support.words import english_or_iso

KIOSK, SUPERVISOR = "kiosk-token", "supervisor-token"
AUTH = {"Authorization": f"Bearer {KIOSK}"}
BODY = {"service": "ZH", "matter": "330681-ZH-002"}


def county(port: int, chinese: str = "gb18030"):
    return halls.county(port, chinese, status_timeout=0.2)


@pytest.fixture
def kiosk(tmp_path):
    with PrinterEmulator() as emu:
        rt = Runtime(county(emu.serve_tcp()), tmp_path)
        service = KioskService(rt, StepClock(), poll_seconds=0)
        app = FastAPI()
        install(app)  # as the kiosk's extension does: refusals in Chinese, with the English as reason
        mounted(app, service, tmp_path)
        yield TestClient(app), rt, emu
        rt.close()


def mounted(app, service, data_dir):
    """The kiosk's routes, with its and the supervisor's tokens in the app's keyring (as the extension)."""
    install_roles(app, data_dir, kiosk=KIOSK, supervisor=SUPERVISOR)
    app.include_router(router(service))


def take(c, status=201, **body):
    r = c.post("/api/v1/kiosk/tickets", json={**BODY, **body}, headers=AUTH)
    assert r.status_code == status, r.text
    return r.json()


def test_a_printed_ticket_says_what_the_answer_says(kiosk):
    c, rt, emu = kiosk
    take(c)
    got = take(c, lane="green", category="老年人")
    t = got["ticket"]
    assert (got["printed"], got["on_screen"], got["voided"], got["reason"]) == (True, False, False, "请取票")
    assert got["printer"]["state"] == "ok"
    assert (t["number"], t["service_name"], t["matter_name"], t["lane"], t["category"]) == (
        "A002", "综合受理", "不动产登记", "green", "老年人")
    assert t["qr_url"] == f"http://127.0.0.1:8080/t/{t['id']}?c={t['sup_code']}" and len(t["sup_code"]) == 8
    # green after one normal: with two normal then one priority, it is called second: one ahead
    assert t["ahead"] == 1 and t["estimated_wait_minutes"] == 5  # no service yet today: 5 min, no window open
    slip = emu.printed[-1]
    assert slip.sized(4) == ["A002"] and slip.qr == [t["qr_url"]]
    text = slip.text.replace("\n", "")
    for words in ("综合受理", "不动产登记", t["issued"], "前面还有 1 人", "预计等候约 5 分钟", "绿色通道(老年人)"):
        assert words in text, words
    assert rt.read(lambda e: e.tickets[t["id"]]["state"]) == "waiting"


def test_the_wait_counts_open_windows_and_todays_service_time(kiosk):
    c, rt, emu = kiosk
    for _ in range(3):
        take(c)
    clock = MONDAY_9 + 100
    for w, code in ((1, "1001"), (2, "1003")):
        assert rt.submit({"type": "login", "at": clock, "window": w, "staff_code": code}).ok, code
    for step in ("call_next", "start"):
        assert rt.submit({"type": step, "at": clock + 1, "window": 1}).ok
    assert rt.submit({"type": "finish", "at": clock + 1 + 600, "window": 1}).ok  # 10 minutes' service
    t = take(c)["ticket"]  # A004 behind A002 and A003
    assert t["ahead"] == 2 and t["estimated_wait_minutes"] == 10  # 2 × 10 min ÷ 2 windows open


def test_paper_out_before_issues_on_screen_only(kiosk):
    c, rt, emu = kiosk
    emu.set_state("paper_out")
    got = take(c)
    assert (got["printed"], got["on_screen"], got["voided"]) == (False, True, False)
    assert "缺纸" in got["reason"] and "记住" in got["reason"] and got["printer"]["state"] == "paper_out"
    assert emu.tickets == []  # nothing was sent to a printer without paper
    assert rt.read(lambda e: e.tickets[got["ticket"]["id"]]["state"]) == "waiting"  # shown, so it stands
    # the slip's QR code comes with the number shown: the same link, drawn for the screen
    assert got["ticket"]["qr_image"] == qr.data_url(got["ticket"]["qr_url"])
    assert got["ticket"]["qr_image"].startswith("data:image/svg+xml;base64,")
    p = c.get("/api/v1/printers", headers={"Authorization": f"Bearer {SUPERVISOR}"}).json()[0]
    assert (p["state"], p["state_name"], p["alert"]["text"]) == ("paper_out", "缺纸", "叫号机打印机缺纸")
    emu.set_state("ok")
    printed = take(c)
    assert printed["printed"] is True and "qr_image" not in printed["ticket"]  # on the slip, not the screen
    p = c.get("/api/v1/printers", headers=AUTH).json()[0]
    assert p["state"] == "ok" and p["alert"] is None and p["alerts"][0]["until"] is not None


@pytest.mark.parametrize("fault", ["during", "after"])
def test_paper_running_out_voids_the_ticket_and_nobody_calls_it(kiosk, fault):
    c, rt, emu = kiosk
    if fault == "during":
        emu.run_out_after(40)
    else:
        real = emu._ticket
        emu._ticket = lambda t: (real(t), emu.set_state("paper_out"))  # the slip took the last of the roll
    got = take(c, status=503)
    t = got["ticket"]
    assert (got["printed"], got["on_screen"], got["voided"]) == (False, False, True)
    assert "作废" in got["reason"] and "重新取号" in got["reason"]
    tk = rt.read(lambda e: dict(e.tickets[t["id"]]))
    assert (tk["state"], tk["outcome"], tk["called_at"]) == ("done", "voided", None)
    assert "缺纸" in tk["void_reason"]
    assert rt.submit({"type": "login", "at": MONDAY_9 + 60, "window": 1, "staff_code": "1001"}).ok
    out = rt.submit({"type": "call_next", "at": MONDAY_9 + 61, "window": 1})
    assert not out.ok and "no ticket is waiting" in out.refusal
    # the next citizen gets it on screen, since the printer has no paper now
    again = take(c)
    assert again["on_screen"] and again["ticket"]["number"] == "A002"


def test_a_printer_that_does_not_answer_is_not_ok(kiosk):
    c, rt, emu = kiosk
    emu.set_state("no_answer")
    got = take(c)
    assert (got["printed"], got["on_screen"], got["printer"]["state"]) == (False, True, "unknown")
    assert "无应答" in got["reason"] and emu.tickets == []


def test_a_printer_gone_is_offline_and_on_screen(kiosk):
    c, rt, emu = kiosk
    emu.close()
    got = take(c)
    assert (got["printed"], got["on_screen"], got["printer"]["state"]) == (False, True, "offline")
    assert "cannot reach" in c.get("/api/v1/printers", headers=AUTH).json()[0]["last_error"]


def test_the_kiosk_token_and_bad_bodies(kiosk):
    c, rt, emu = kiosk
    assert c.post("/api/v1/kiosk/tickets", json=BODY).status_code == 401
    assert c.post("/api/v1/kiosk/tickets", json=BODY, headers={"Authorization": "Bearer x"}).status_code == 401
    assert c.get("/api/v1/printers").status_code == 401
    for body, words in [({"service": "NOPE"}, "unknown service"), ({"service": "ZH"}, "needs its matter"),
                        ({**BODY, "matter": "330681-SB-001"}, "not a matter of service ZH"),
                        ({**BODY, "lane": "green"}, "needs a category"),
                        ({**BODY, "lane": "green", "category": "VIP"}, "unknown green channel category; this hall has 老年人"),
                        ({**BODY, "category": "老年人"}, "green channel"),
                        ({**BODY, "lane": "appointment"}, "appointment_code"),
                        ({**BODY, "lane": "fast"}, "lane"), ({**BODY, "x": 1}, "extra"),
                        ({**BODY, "lane": "appointment", "appointment_code": "a b"}, "pattern")]:
        r = c.post("/api/v1/kiosk/tickets", json=body, headers=AUTH)
        assert r.status_code == 422 and words in r.text, (body, r.text)
        detail = r.json()["detail"]  # what the kiosk's page shows: Chinese, or the form checker's list
        assert isinstance(detail, list) or not english_or_iso(detail), (body, detail)
    assert rt.read(lambda e: len(e.tickets)) == 0 and emu.tickets == []


def test_appointment_codes_are_checked(kiosk):
    """预约签到 takes a number only for an appointment the hall knows, today, once."""
    c, rt, emu = kiosk
    assert rt.submit({"type": "book_appointment", "at": MONDAY_9, "code": "204817", "service": "ZH",
                      "matter": "330681-ZH-002", "start": MONDAY_9, "end": MONDAY_9 + 3600}).ok
    for code in ("123456", "20481"):
        r = c.post("/api/v1/kiosk/tickets", json={"lane": "appointment", "appointment_code": code}, headers=AUTH)
        assert r.status_code == 409 and "今天没有预约码为" in r.json()["detail"], r.text
    r = c.post("/api/v1/kiosk/tickets", json={"lane": "appointment"}, headers=AUTH)
    assert r.status_code == 422 and "appointment_code" in r.text
    assert rt.read(lambda e: len(e.tickets)) == 0 and emu.tickets == []
    # the code alone: the appointment names the service and matter
    got = c.post("/api/v1/kiosk/tickets", json={"lane": "appointment", "appointment_code": "204817"},
                 headers=AUTH).json()
    assert got["printed"] and got["ticket"]["lane"] == "appointment" and got["ticket"]["service"] == "ZH"
    assert got["ticket"]["matter"] == "330681-ZH-002"
    assert "通道: 预约" in emu.printed[-1].text
    again = c.post("/api/v1/kiosk/tickets", json={"lane": "appointment", "appointment_code": "204817"}, headers=AUTH)
    assert again.status_code == 409 and again.json()["detail"] == f"此预约已签到，号码是 {got['ticket']['number']}"
    assert "already checked in" in again.json()["reason"]
    state = rt.read(lambda e: e.appointments[f"{e.day}:204817"])
    assert (state["state"], state["number"]) == ("checked_in", got["ticket"]["number"])
    assert rt.read(lambda e: len(e.tickets)) == 1 and len(emu.tickets) == 1


def test_image_mode_prints_pictures(tmp_path):
    with PrinterEmulator() as emu:
        rt = Runtime(county(emu.serve_tcp(), chinese="image"), tmp_path)
        try:
            app = FastAPI()
            mounted(app, KioskService(rt, StepClock(), poll_seconds=0), tmp_path)
            got = take(TestClient(app))
        finally:
            rt.close()
        slip = emu.printed[0]
        assert got["printed"] and not slip.lines and slip.qr == [got["ticket"]["qr_url"]]
        assert {i.size[0] for i in slip.images} == {576}


def test_a_kiosk_without_a_printer_shows_every_number(tmp_path):
    text = (ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")
    rt = Runtime(load_text(text, "village.toml"), tmp_path)
    try:
        app = FastAPI()
        mounted(app, KioskService(rt, StepClock(), poll_seconds=0), tmp_path)
        c = TestClient(app)
        got = take(c, service="ZX", matter="330681-CZ-009")
        assert (got["printed"], got["on_screen"], got["printer"]["state"]) == (False, True, "none")
        assert "请记住您的号码" in got["reason"] and got["ticket"]["qr_url"] is None
        menu = c.get("/api/v1/kiosk/menu", headers=AUTH).json()
        assert [s["code"] for d in menu["departments"] for s in d["services"]] == ["ZH", "ZX"]
        assert menu["green_categories"][0] == "老年人"
    finally:
        rt.close()


def test_the_qr_address_shows_progress_and_takes_the_supplementary_rating(kiosk):
    c, rt, emu = kiosk
    take(c)
    t = take(c)["ticket"]
    page = c.get(t["qr_url"].replace("http://127.0.0.1:8080", ""))
    assert page.status_code == 200 and "补充评价" in page.text
    p = c.get(f"/api/v1/kiosk/progress/{t['id']}").json()
    assert (p["number"], p["state"], p["text"]) == ("A002", "waiting", "等候中，前面还有 1 人，预计等候约 5 分钟")
    assert rt.submit({"type": "login", "at": MONDAY_9 + 60, "window": 1, "staff_code": "1001"}).ok
    for step in ("call_next", "call_next"):
        rt.submit({"type": "finish", "at": MONDAY_9 + 61, "window": 1})
        rt.submit({"type": step, "at": MONDAY_9 + 62, "window": 1})
        rt.submit({"type": "start", "at": MONDAY_9 + 63, "window": 1})
    assert c.get(f"/api/v1/kiosk/progress/{t['id']}").json()["text"] == "正在 1 号窗口办理"
    assert rt.submit({"type": "finish", "at": MONDAY_9 + 64, "window": 1}).ok
    assert c.get(f"/api/v1/kiosk/progress/{t['id']}").json()["text"] == "已办结，欢迎补充评价"
    assert c.get("/api/v1/kiosk/progress/2026-11-23-Z999").status_code == 404


def test_the_phone_page_says_when_the_service_may_be_rated(tmp_path):
    """/api/v1/kiosk/progress/{id}?c=<code>: the ticket's facts, and the 补充评价 state for the
    holder of its code: later, offered, at the window, rated, over; an earlier day's service
    from its kept entry. Without the code, nothing of the rating."""
    with PrinterEmulator() as emu:
        rt = Runtime(county(emu.serve_tcp()), tmp_path)
        clock = StepClock()
        app = FastAPI()
        install(app)
        mounted(app, KioskService(rt, clock, poll_seconds=0), tmp_path)
        c = TestClient(app)
        try:
            first, t = take(c)["ticket"], take(c)["ticket"]
            code = t["sup_code"]

            def seen(ref=t["id"], with_code=code):
                r = c.get(f"/api/v1/kiosk/progress/{ref}" + (f"?c={with_code.lower()}" if with_code else ""))
                assert r.status_code == 200, r.text
                return r.json()

            p = seen()
            assert (p["number"], p["service_name"], p["matter_name"], p["issued"], p["ahead"], p["wait_minutes"]) == \
                (t["number"], "综合受理", "不动产登记", "09:00", 1, 5)
            assert p["rating"] == {"state": "later", "text": "办结后可在此补充评价"}
            assert seen(with_code="WRONGCOD")["rating"] is None and seen(with_code=None)["rating"] is None
            assert rt.submit({"type": "login", "at": clock(), "window": 1, "staff_code": "1001"}).ok
            for kind in ("call_next", "start", "finish", "call_next"):
                assert rt.submit({"type": kind, "at": clock(), "window": 1}).ok, kind
            p = seen()
            assert (p["state"], p["window"], p["window_name"], p["text"]) == ("called", 1, "综合受理", "正在叫号：请到 1 号窗口办理")
            for kind in ("start", "finish"):
                assert rt.submit({"type": kind, "at": clock(), "window": 1}).ok
            r = seen()["rating"]
            assert r["state"] == "offered" and [x["name"] for x in r["levels"]] == \
                ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
            assert r["until"].startswith("2026年11月30日 09:0") and r["reasons"] and r["bad_max"] == 2
            assert seen(with_code=None)["rating"] is None  # a guessed address learns nothing of it
            assert rt.submit({"type": "request_evaluation", "at": clock(), "window": 1}).ok
            assert seen()["rating"]["state"] == "at_window"
            assert rt.submit({"type": "cancel_evaluation", "at": clock(), "window": 1}).ok
            assert seen()["rating"]["state"] == "offered"  # withdrawn at the window: the code may rate
            assert rt.submit({"type": "rate_supplementary", "at": clock(), "code": code, "level": 3}).ok
            assert seen()["rating"] == {"state": "rated", "channel": "supplementary", "level": 3, "level_name": "基本满意",
                                        "text": "您已补充评价：基本满意。感谢您的评价！"}
            assert seen(first["id"], first["sup_code"])["rating"]["state"] == "offered"
            # the next day the tickets have gone from the engine: the kept entry still shows them
            clock.now += 86400
            assert rt.submit({"type": "tick", "at": clock.now}).ok
            assert c.get(f"/api/v1/kiosk/progress/{t['id']}").status_code == 404
            p = seen()
            assert (p["number"], p["state"], p["outcome"], p["rating"]["state"]) == (t["number"], "done", "served", "rated")
            assert p["rating"]["level_name"] == "基本满意" and p["finished"].startswith("2026年11月23日 09:0")
            assert seen(first["id"], first["sup_code"])["rating"]["state"] == "offered"
            clock.now += 7 * 86400  # the period is over
            assert seen(first["id"], first["sup_code"])["rating"]["text"].startswith("补充评价已于 2026年11月30日 09:0")
            r = c.get("/api/v1/kiosk/progress/2026-11-23-Z999")
            assert r.status_code == 404 and r.json()["detail"] == "今天没有Z999号"
        finally:
            rt.close()


def test_a_slip_taken_on_a_clock_not_yet_synchronized_prints_no_time(kiosk):
    # A Pi booted on yesterday's saved time: the slip keeps its number and place, but no time the
    # citizen would read as wrong. Once the clock is confirmed the time is printed again.
    c, rt, emu = kiosk
    assert rt.submit({"type": "clock", "at": MONDAY_9, "synced": False, "cause": "start", "boot": "b1"}).ok
    got = take(c)["ticket"]
    assert got["issued"] == "" and got["number"] == "A001"
    assert "取号时间" not in emu.printed[-1].text and "A001" in emu.printed[-1].sized(4)
    assert rt.submit({"type": "clock", "at": MONDAY_9 + 60, "synced": True, "cause": "sync", "via": "chrony",
                      "boot": "b1"}).ok
    got = take(c)["ticket"]
    assert got["issued"] and f"取号时间 {got['issued']}" in emu.printed[-1].text.replace("\n", "")
