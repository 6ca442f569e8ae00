"""The clerk console (/clerk) over a real runtime and SQLite store: login behind the API
token and the staff code (throttled), actions for the session's own window only, the
办件编号 attached, logout (FastAPI's test client, no sockets)."""

from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.config import load_file
from gateway.extensions import clerk_console
from gateway.extensions.ports import PUSH_HUB
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from tests.support import ROOT
from tests.support.context import context
from tests.support.hallday import MONDAY_9, StepClock

TOKEN = "clerk-test-token"
CLERK_AUTH = {"Authorization": f"Bearer {TOKEN}"}  # a clerk may take a ticket for a citizen
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def hall_app(tmp_path):
    rt = Runtime(load_file(ROOT / "hall_config" / "county.toml"), tmp_path)
    clock = StepClock(MONDAY_9)
    app = create_app(rt, TOKEN, clock=clock)
    ext = clerk_console.create(context(rt, tmp_path, app=app, clock=clock, tokens={"clerk": TOKEN},
                                       ports={PUSH_HUB: PushHub(rt)}))
    ext.start()
    return app, rt, ext


def logged_in(app, window=1, code="1001") -> TestClient:
    c = TestClient(app)
    r = c.post("/clerk/api/login", json={"window": window, "staff_code": code}, headers=BEARER)
    assert r.status_code == 200, r.text
    return c


def test_wrong_codes_are_refused_for_a_growing_delay(tmp_path):
    app, rt, ext = hall_app(tmp_path)
    mono = [1000.0]
    ext.console.throttle.now = lambda: mono[0]
    c = TestClient(app)
    login = {"window": 1, "staff_code": "9999"}
    assert c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}).status_code == 401  # no token
    mono[0] += 1.5
    delays = []
    for _ in range(4):
        r = c.post("/clerk/api/login", json=login, headers=BEARER)
        assert r.status_code == 401 and "登录码错误" in r.json()["detail"]
        delays.append(ext.console.throttle.wait("testclient"))
        locked = c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}, headers=BEARER)
        assert locked.status_code == 429 and "秒后再试" in locked.json()["detail"]
        assert int(locked.headers["retry-after"]) >= 1
        mono[0] += delays[-1] + 0.01
    assert delays == [2.0, 4.0, 8.0, 16.0]  # the token-less try counted as the first (1 s)
    # Each wrong code also counts in the engine towards window 1's lock (pad and console alike).
    assert rt.read(lambda e: (e.windows[1]["staff"], e.login_guard[1]["wrong"])) == (None, 4)
    r = c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}, headers=BEARER)
    assert r.status_code == 200 and ext.console.throttle.wait("testclient") == 0
    assert "testclient" not in ext.console.throttle.fails  # a right code clears the count
    assert rt.read(lambda e: 1 not in e.login_guard)  # and the login the window's
    rt.close()


def test_login_binds_the_session_to_one_window_and_clerk(tmp_path):
    app, rt, _ = hall_app(tmp_path)
    c = TestClient(app)
    r = c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}, headers=BEARER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message"] == "王芳 已登录 1 号窗口"
    st = body["state"]
    assert (st["window"], st["staff"], st["name"], st["status"], st["status_name"]) == (1, "s001", "王芳", "idle", "空闲")
    assert body["choices"]["pause_reasons"][0] == "会议" and body["choices"]["case_types"][0]["name"] == "即办件"
    cookies = " | ".join(r.headers.get_list("set-cookie"))
    assert "hall_clerk=" in cookies and "hall_clerk_key=" in cookies
    assert cookies.count("HttpOnly") == 2 and cookies.count("SameSite=strict") == 2 and "Path=/clerk" in cookies
    assert rt.read(lambda e: (e.windows[1]["staff"], e.staff_at)) == ("s001", {"s001": 1})
    # The engine's rules hold: one window per clerk, one clerk per window.
    other = TestClient(app)
    # Refused in Chinese for the page, names not codes; the engine's own words for machines.
    r = other.post("/clerk/api/login", json={"window": 2, "staff_code": "1001"}, headers=BEARER)
    assert r.status_code == 409 and r.json() == {"detail": "未登录：王芳已在1号窗口登录，请先在那里退出",
                                                  "reason": "s001 is already logged in at window 1"}
    r = other.post("/clerk/api/login", json={"window": 1, "staff_code": "1002"}, headers=BEARER)
    assert r.status_code == 409 and r.json()["detail"] == "未登录：1号窗口已有王芳登录，请先退出"
    assert "already has s001 logged in" in r.json()["reason"]
    assert other.post("/clerk/api/login", json={"window": 99, "staff_code": "1002"}, headers=BEARER).status_code == 422
    assert other.post("/clerk/api/login", json={"window": 1, "staff_code": "1002", "x": 1},
                      headers=BEARER).status_code == 422
    # The page and its two files come from the repository (no CDN).
    page = c.get("/clerk")
    assert page.status_code == 200 and "叫号" in page.text and "/clerk/static/clerk.js" in page.text
    assert c.get("/clerk/static/clerk.js").status_code == 200 and c.get("/clerk/static/x.js").status_code == 404
    rt.close()


def test_actions_act_on_the_own_window_only(tmp_path):
    app, rt, _ = hall_app(tmp_path)
    kiosk = TestClient(app)
    t1 = kiosk.post("/api/v1/tickets", json={"service": "ZH"}, headers=CLERK_AUTH).json()
    kiosk.post("/api/v1/tickets", json={"service": "ZH"}, headers=CLERK_AUTH)
    c = logged_in(app)
    two = logged_in(app, 2, "1003")
    before = rt.store.seq
    # A console of window 1 naming window 2: refused, and nothing reaches the log.
    r = c.post("/clerk/api/action", json={"action": "call_next", "window": 2})
    assert r.status_code == 403 and "1 号窗口" in r.json()["detail"]
    # The session cookie is no API token: the window actions of the API stay closed to it.
    assert c.post("/api/v1/windows/2/actions", json={"action": "call_next"}).status_code == 401
    # A cross-site page cannot use the console (SameSite keeps the cookie off; Origin too).
    r = c.post("/clerk/api/action", json={"action": "call_next"}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert rt.store.seq == before
    r = c.post("/clerk/api/action", json={"action": "call_next", "window": 1})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "已叫号 A001" and r.json()["state"]["ticket"] == "A001"
    assert r.json()["state"]["waiting"] == 1 and r.json()["state"]["status_name"] == "叫号中"
    assert rt.read(lambda e: (e.windows[2]["status"], e.windows[2]["ticket"])) == ("idle", None)
    st = c.post("/clerk/api/action", json={"action": "recall"}).json()
    assert st["message"] == "已重呼 A001（第 1 次）" and st["state"]["recalls"] == 1
    assert st["state"]["enabled"]["finish"] is False and st["state"]["enabled"]["start"] is True
    assert c.post("/clerk/api/action", json={"action": "start"}).json()["state"]["status"] == "serving"
    r = c.post("/clerk/api/action", json={"action": "attach_case", "project_no": "X1", "matter": "330681-SB-001"})
    assert r.status_code == 409 and r.json()["detail"] == "未执行：“城乡居民养老保险参保登记”不是“综合受理”的办理事项"
    r = c.post("/clerk/api/action", json={"action": "attach_case", "project_no": "330681-2026-000123",
                                          "matter": "330681-ZH-002"})
    assert r.status_code == 200 and r.json()["message"] == "已关联 办件 330681-2026-000123（A001）"
    got = kiosk.get(f"/api/v1/tickets/{t1['id']}").json()
    assert (got["project_no"], got["matter"], got["window"]) == ("330681-2026-000123", "330681-ZH-002", 1)
    r = c.post("/clerk/api/action", json={"action": "finish", "case_type": "promised"})
    assert r.json()["message"] == "A001 已办结（承诺件）" and r.json()["state"]["evaluation"]["state"] == "can_request"
    assert r.json()["state"]["case"]["project_no"] == "330681-2026-000123"
    st = c.post("/clerk/api/action", json={"action": "request_evaluation"}).json()["state"]
    assert st["evaluation"] == {"state": "waiting", "state_name": "等待评价", "number": "A001"}
    assert c.post("/clerk/api/action", json={"action": "cancel_evaluation"}).json()["message"] == "已撤销评价"
    # Window 2's console works on window 2 alone.
    r = two.post("/clerk/api/action", json={"action": "call_next"})
    assert r.json()["state"]["window"] == 2 and r.json()["state"]["ticket"] == "A002"
    r = two.post("/clerk/api/action", json={"action": "transfer", "to_window": 1})
    assert r.status_code == 200 and r.json()["message"] == "A002 已转移至窗口 1号 综合受理"
    assert c.post("/clerk/api/action", json={"action": "call_next"}).json()["state"]["ticket"] == "A002"
    assert c.post("/clerk/api/action", json={"action": "no_show"}).json()["message"] == "A002 已过号"
    r = c.post("/clerk/api/action", json={"action": "pause", "reason": "会议", "until": "10:30"})
    assert r.json()["message"] == "已暂停：会议，10:30 返回"
    assert (r.json()["state"]["paused_reason"], r.json()["state"]["until"]) == ("会议", "10:30")
    assert c.post("/clerk/api/action", json={"action": "resume"}).json()["state"]["status"] == "idle"
    # The engine's refusal with 409: in Chinese for the clerk, its English as the reason.
    r = c.post("/clerk/api/action", json={"action": "call_next"})
    assert r.status_code == 409
    assert r.json() == {"detail": "未执行：没有等候1号窗口的号", "reason": "no ticket is waiting for window 1"}
    r = c.post("/clerk/api/action", json={"action": "attach_case", "project_no": "X1", "matter": "330681-SB-001"})
    assert r.status_code == 409 and r.json()["detail"] == "未执行：1号窗口没有可关联办件编号的号"
    rt.close()


def test_malformed_and_sessionless_requests(tmp_path):
    app, rt, _ = hall_app(tmp_path)
    nobody = TestClient(app)
    assert nobody.post("/clerk/api/action", json={"action": "call_next"}).status_code == 401
    assert nobody.post("/clerk/api/action", json={"action": "explode"}).status_code == 401  # 401 before 422
    assert nobody.post("/clerk/api/logout").status_code == 401
    assert nobody.get("/clerk/api/state").status_code == 401
    assert nobody.get("/clerk/api/hall").json()["session"] is None
    c = logged_in(app)
    for body in ({"action": "explode"}, {"action": "finish", "number": "A001"}, {"action": "call_ticket"},
                 {"action": "pause", "reason": "会议", "until": "9h"}, {"action": "attach_case", "project_no": "a b"},
                 {"action": "transfer", "to_window": 2, "to_staff": "s003"}, {"action": "call_next", "extra": 1},
                 {"action": "finish", "case_type": "quick"}):
        r = c.post("/clerk/api/action", json=body)
        assert r.status_code == 422, (body, r.text)
    # The hall's pause reasons are the form's enum (the page offers only them): another is the
    # model's 422 naming the hall's, which the page shows as 输入有误.
    r = c.post("/clerk/api/action", json={"action": "pause", "reason": "睡觉"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "pause", "reason"]
    assert "unknown pause reason; this hall has 会议, 培训" in r.json()["detail"][0]["msg"]
    rt.close()


def test_logout_ends_the_session(tmp_path):
    app, rt, _ = hall_app(tmp_path)
    TestClient(app).post("/api/v1/tickets", json={"service": "ZH"}, headers=CLERK_AUTH)
    c = logged_in(app)
    c.post("/clerk/api/action", json={"action": "call_next"})
    r = c.post("/clerk/api/logout")
    assert r.status_code == 409 and "holds ticket A001" in r.json()["reason"]  # the engine's rule
    assert r.json()["detail"] == "未退出：1号窗口还有A001号未处理：请先办结、过号或转移"
    c.post("/clerk/api/action", json={"action": "no_show"})
    r = c.post("/clerk/api/logout")
    assert r.status_code == 200 and r.json()["message"] == "王芳 已退出 1 号窗口"
    assert rt.read(lambda e: (e.windows[1]["status"], e.windows[1]["staff"])) == ("closed", None)
    assert c.post("/clerk/api/action", json={"action": "call_next"}).status_code == 401
    # Enrolled: this browser logs in again with the staff code alone.
    r = c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"})
    assert r.status_code == 200, r.text
    # Logged out on the pad (or anywhere): the console's session ends with it.
    assert rt.submit({"type": "logout", "at": MONDAY_9 + 3600, "window": 1}).ok
    r = c.post("/clerk/api/action", json={"action": "call_next"})
    assert r.status_code == 401 and "已不在 1 号窗口登录" in r.json()["detail"]
    assert rt.submit({"type": "login", "at": MONDAY_9 + 3700, "window": 1, "staff_code": "1002"}).ok
    assert c.post("/clerk/api/action", json={"action": "pause", "reason": "会议"}).status_code == 401
    rt.close()


def test_a_clerk_logged_in_on_the_pad_takes_over_in_the_console(tmp_path):
    app, rt, _ = hall_app(tmp_path)
    assert rt.submit({"type": "login", "at": MONDAY_9, "window": 3, "staff_code": "1005"}).ok
    before = rt.store.seq
    c = logged_in(app, 3, "1005")
    assert rt.store.seq == before  # no second login: the engine has them there already
    assert c.get("/clerk/api/state").json()["state"]["name"] == "陈静"
    rt.close()


def test_the_rating_shows_once_given_at_the_evaluator_or_by_the_code(tmp_path):
    app, rt, _ = hall_app(tmp_path)
    taker = TestClient(app)
    first = taker.post("/api/v1/tickets", json={"service": "ZH"}, headers=CLERK_AUTH).json()
    second = taker.post("/api/v1/tickets", json={"service": "ZH"}, headers=CLERK_AUTH).json()
    c = logged_in(app)
    for action in ("call_next", "start", "finish"):
        c.post("/clerk/api/action", json={"action": action})
    st = c.post("/clerk/api/action", json={"action": "request_evaluation"}).json()["state"]
    assert st["evaluation"]["state_name"] == "等待评价"
    prompt = rt.read(lambda e: e.windows[1]["prompt"])
    assert rt.submit({"type": "rate", "at": MONDAY_9 + 600, "window": 1, "prompt": prompt, "level": 4}).ok
    st = c.get("/clerk/api/state").json()["state"]
    assert st["evaluation"] == {"state": "rated", "state_name": "已评价", "number": first["number"], "level": 4,
                                "level_name": "满意", "channel_name": "评价器"}
    assert st["enabled"]["request_evaluation"] is False
    # the next citizen rates with the code on their slip before the clerk invites it: no invitation then
    for action in ("call_next", "start", "finish"):
        c.post("/clerk/api/action", json={"action": action})
    assert c.get("/clerk/api/state").json()["state"]["evaluation"]["state"] == "can_request"
    r = taker.post("/api/v1/ratings/supplementary", json={"code": second["sup_code"], "level": 2, "reasons": []})
    assert r.status_code == 201, r.text
    st = c.get("/clerk/api/state").json()["state"]
    assert (st["evaluation"]["state_name"], st["evaluation"]["number"], st["evaluation"]["level_name"],
            st["evaluation"]["channel_name"]) == ("已评价", second["number"], "不满意", "扫码补充评价")
    assert st["enabled"]["request_evaluation"] is False  # 一次一评: the console does not offer to ask again
    rt.close()
