"""The dashboard's 差评 follow-up panel without a browser: the items in the hall's words (pure,
from the engine), supervisors signing in with their own login codes, and the actions as the
engine's commands by the signed-in supervisor, with the engine's refusals told in Chinese."""
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.config import load_file
from gateway.reports import followup_actions, signin
from gateway.reports import followup_panel as fp
from gateway.reports.live import alert_text
from gateway.roles import install
from gateway.roles.table import SUPERVISOR
from gateway.runtime import Runtime
from hil.day.clock import day_start
from tests.support import ROOT

HALL = load_file(ROOT / "hall_config" / "county.toml")
TOKEN = "the-supervisor-token"
WHEN = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$")


class Clock:
    """The hall's time, moved on by hand (and a little at each read, as commands take time)."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        self.now += 1
        return self.now


class Monotonic:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hall(tmp_path):
    """(runtime, clock, monotonic, client(): a browser with the dashboard's key)."""
    rt = Runtime(HALL, tmp_path)
    clock, mono = Clock(day_start(HALL, 10)[1]), Monotonic()
    app = FastAPI()
    ring = install(app, tmp_path, supervisor=TOKEN)  # the supervisor's token, as the reports' extension gives it
    desk = signin.Desk(HALL, rt.codes, mono)
    signin.mount(app, desk)
    followup_actions.mount(app, rt, clock, desk)
    clients = []

    def client():
        c = TestClient(app)
        c.cookies.set(SUPERVISOR.cookie, ring.cookie_value("supervisor"))  # as /dashboard?key= signs it
        clients.append(c)
        return c
    yield rt, clock, mono, client
    for c in clients:
        c.close()
    rt.close()


def submit(rt, clock, **cmd):
    out = rt.submit({"at": clock(), **cmd})
    assert out.ok, out.refusal
    return out.result


def bad_rating(rt, clock, window=3, level=2, reasons=("01", "02")) -> dict:
    submit(rt, clock, type="login", window=window, staff_code="1005")
    submit(rt, clock, type="issue_ticket", service="ZH")
    t = submit(rt, clock, type="call_next", window=window)
    submit(rt, clock, type="start", window=window)
    submit(rt, clock, type="finish", window=window)
    prompt = submit(rt, clock, type="request_evaluation", window=window)["prompt"]
    submit(rt, clock, type="rate", window=window, prompt=prompt, level=level, reasons=list(reasons))
    return t


def panel(rt, clock) -> dict:
    now = clock()
    return rt.read(lambda e: fp.panel(e, now))


def signed_in(client, code: str):
    c = client()
    r = c.post("/api/v1/dashboard/signin", json={"code": code})
    assert r.status_code == 200, r.text
    return c


def test_an_item_in_the_halls_words(hall):
    rt, clock, _, _ = hall
    ticket = bad_rating(rt, clock)
    p = panel(rt, clock)
    assert (p["open"], p["overdue"], [s["name"] for s in p["supervisors"]]) == (1, 0, ["高洁", "邓华"])
    x = p["items"][0]
    assert (x["number"], x["window_name"], x["staff_name"], x["service_name"], x["level_cn"], x["status_cn"]) == (
        ticket["number"], "3号窗口", "陈静", "综合受理", "不满意", "待整改")
    assert x["reasons"] == ["服务态度差", "办事效率低"]
    assert WHEN.match(x["rated"]) and x["contact_due"].endswith(" 23:59") and WHEN.match(x["rectify_due"])
    assert (x["contacted"], x["contact_overdue"], x["final"], x["request"], x["steps"]) == (False, False, False, None, [])
    assert x["actions"] == ["start", "request_invalid", "callback"]
    # A new content version without reason 02: its text is gone, the code is said to be.
    assert rt.submit({"type": "set_content", "at": clock(), "version": "P2027.1", "source": "upstream",
                      "reasons": [{"code": "01", "text": "态度不好"}]}).ok
    assert panel(rt, clock)["items"][0]["reasons"] == ["态度不好", "原因02（现行评价内容中已无此项）"]
    words = rt.read(fp.words)
    assert (words["levels"]["1"], words["reasons"]["01"], words["followup_status"]["rectifying"]) == (
        "非常不满意", "态度不好", "整改中")


def test_an_overdue_alert_names_the_ticket_and_the_day():
    a = {"kind": "followup_overdue", "id": "F1", "due": "2026-12-10", "name": "联系超期", "window": 3}
    assert alert_text(a, {3: "3号 综合受理"}, {}, {"F1": "A001"}) == \
        "3号 综合受理：差评联系超期（A001号，限 2026年12月10日 23:59）"


def test_a_supervisor_signs_in_with_their_own_code_and_wrong_codes_are_throttled(hall):
    rt, _, mono, client = hall
    c = client()
    assert c.get("/api/v1/dashboard/me").json() == {"staff": None, "name": None}
    assert TestClient(c.app).get("/api/v1/dashboard/me").status_code == 401  # without the dashboard's key
    r = c.post("/api/v1/dashboard/signin", json={"code": "1005"})  # a clerk's code: no supervisor's
    assert r.status_code == 401 and r.json()["detail"].startswith("登录码错误，或不是监管人员的登录码")
    r = c.post("/api/v1/dashboard/signin", json={"code": "1047"})
    assert r.status_code == 429 and "错误次数过多" in r.json()["detail"]
    mono.now += 1.5
    r = c.post("/api/v1/dashboard/signin", json={"code": "9999"})
    assert r.status_code == 401
    mono.now += 2.5  # the second wrong code in a row locks for two seconds
    r = c.post("/api/v1/dashboard/signin", json={"code": "1047"})
    assert r.json() == {"staff": "s047", "name": "高洁"}
    assert c.get("/api/v1/dashboard/me").json() == {"staff": "s047", "name": "高洁"}
    mono.now += signin.SESSION_SECONDS + 1  # a session ends with the working day
    assert c.get("/api/v1/dashboard/me").json()["staff"] is None
    mono.now += 1
    c = signed_in(client, "1048")
    assert c.post("/api/v1/dashboard/signout").json()["staff"] is None
    assert c.get("/api/v1/dashboard/me").json()["staff"] is None


def test_actions_by_the_signed_in_supervisor_and_refusals_in_chinese(hall):
    rt, clock, _, client = hall
    ticket = bad_rating(rt, clock)
    n = ticket["number"]
    url = "/api/v1/dashboard/followups/F1/actions"

    def do(c, status=200, **body):
        r = c.post(url, json=body)
        assert r.status_code == status, r.text
        return r.json()["message"] if status == 200 else r.json()["detail"]

    assert do(client(), 401, action="start") == "请先以监管人员身份登录（输入本人登录码）"
    a, b = signed_in(client, "1047"), signed_in(client, "1048")
    assert client().post("/api/v1/dashboard/followups/F9/actions", json={"action": "start"}).status_code == 401
    r = a.post("/api/v1/dashboard/followups/F9/actions", json={"action": "start"})
    assert (r.status_code, r.json()["detail"]) == (404, "没有这条差评整改记录")
    # Who acts is the session's, never a name sent along.
    assert a.post(url, json={"action": "start", "by": "s048"}).status_code == 422

    assert do(a, action="start") == f"高洁：{n}号差评 已开始整改"
    assert do(a, 409, action="start") == "这条差评现为「整改中」，不能开始整改"
    assert do(a, 409, action="complete") == "请填写整改情况（做了什么）"
    assert do(a, 409, action="complete", note="   ") == "请填写整改情况（做了什么）"
    assert do(a, 409, action="callback") == "请选择回访结果"
    assert do(a, 422, action="callback", result="reached", called_at="明天上午") == \
        "回访时间格式不对，应为 年-月-日 时:分，例如 2026-12-09 09:30"
    for later in ("2099-01-01 09:00", "2099-01-01T09:00"):
        assert do(a, 409, action="callback", result="reached", called_at=later) == "回访时间应在差评之后，且不晚于现在"
    assert do(a, action="callback", result="satisfied", note="群众认可") == f"高洁：{n}号差评 已记录回访"
    assert do(a, 409, action="request_unfixable") == "请填写无法整改的理由"
    assert do(a, action="request_invalid", note="误按") == f"高洁：{n}号差评 已申请无效差评"
    assert do(a, 409, action="approve") == "不能审核自己提出的申请：高洁申请的「无效差评」须由另一位监管人员批准（四眼原则）"
    assert do(a, 409, action="reject") == "不能审核自己提出的申请：高洁申请的「无效差评」须由另一位监管人员驳回（四眼原则）"
    assert do(b, action="reject", note="证据不足") == f"邓华：{n}号差评 已驳回无效差评申请"
    assert do(a, action="request_unfixable", note="场地所限") == f"高洁：{n}号差评 已申请无法整改"
    assert do(b, action="approve") == f"邓华：{n}号差评 已批准无法整改"
    assert do(b, 409, action="complete", note="x") == "这条差评现为「无法整改」，不能完成整改"

    x = panel(rt, clock)["items"][0]
    assert (x["status_cn"], x["final"], x["actions"]) == ("无法整改", True, ["callback"])
    assert [(s["by_name"], s["what"], s["note"]) for s in x["steps"]] == [
        ("高洁", "开始整改", None), ("高洁", "回访：群众满意", "群众认可"), ("高洁", "申请无效差评", "误按"),
        ("邓华", "驳回无效差评申请", "证据不足"), ("高洁", "申请无法整改", "场地所限"), ("邓华", "批准无法整改", None)]
    assert all(WHEN.match(s["at"]) for s in x["steps"])
    # The log has each command by the staff id of who gave it, the refused ones too.
    logged = [(r["cmd"]["action"], r["cmd"]["by"], r["outcome"]["ok"]) for r in rt.read(
        lambda e: list(rt.store.records_after(0))) if r["cmd"]["type"] == "followup"]
    assert logged == [
        ("start", "s047", True), ("start", "s047", False), ("complete", "s047", False), ("complete", "s047", False),
        ("callback", "s047", False), ("callback", "s047", False), ("callback", "s047", False),
        ("callback", "s047", True),
        ("request_unfixable", "s047", False), ("request_invalid", "s047", True), ("approve", "s047", False),
        ("reject", "s047", False), ("reject", "s048", True), ("request_unfixable", "s047", True),
        ("approve", "s048", True), ("complete", "s048", False)]


def test_a_cross_site_request_is_refused(hall):
    rt, clock, _, client = hall
    bad_rating(rt, clock)
    a = signed_in(client, "1047")
    r = a.post("/api/v1/dashboard/followups/F1/actions", json={"action": "start"},
               headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert panel(rt, clock)["items"][0]["status"] == "pending"


def test_an_overdue_item_comes_first_and_says_which_deadline_passed(hall):
    rt, clock, _, client = hall
    first = bad_rating(rt, clock)
    submit(rt, clock, type="logout", window=3)
    second = bad_rating(rt, clock)
    a = signed_in(client, "1047")
    assert a.post("/api/v1/dashboard/followups/F2/actions", json={"action": "start"}).status_code == 200
    assert [x["number"] for x in panel(rt, clock)["items"]] == [first["number"], second["number"]]  # oldest first
    clock.now += 4 * 86400  # past the contact deadline (one working day), not the rectify one
    assert rt.submit({"type": "tick", "at": clock()}).ok
    p = panel(rt, clock)
    late, started = p["items"]
    assert (p["open"], p["overdue"]) == (2, 1)
    assert (late["number"], late["overdue"], late["contact_overdue"], late["rectify_overdue"]) == (
        first["number"], True, True, False)
    assert (started["overdue"], started["contacted"]) == (False, True)  # rectifying in time counts as contact
    alerts = rt.read(lambda e: [alert_text(x, {3: "3号 综合受理"}, {"ZH": "综合"}, {"F1": first["number"]})
                                for x in e.alerts.values() if x.get("kind") == "followup_overdue"])
    assert alerts == [f"3号 综合受理：综合：差评联系超期（{first['number']}号，限 {late['contact_due']}）"]
