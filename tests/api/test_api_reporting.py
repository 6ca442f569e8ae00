"""The API's 好差评 side: codes minted for 补充评价, the case number from the clerk, the
content in force, and the supervisor's 差评 follow-ups behind their own token."""
import os
import stat

import pytest
from fastapi.testclient import TestClient

from gateway.api import app as api_app
from gateway.api import create_app
from gateway.engine.commands import SUP_ALPHABET
from gateway.roles import load_supervisor_token
from gateway.runtime import Runtime
from tests.api.test_api import AUTH, TOKEN
from tests.support.hallday import MONDAY_9, StepClock, hall

SUPERVISOR = "supervisor-token"
SUP_AUTH = {"Authorization": f"Bearer {SUPERVISOR}"}


@pytest.fixture
def api(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    yield TestClient(create_app(rt, TOKEN, clock=StepClock(), supervisor_token=SUPERVISOR)), rt
    rt.close()


def clerk(c, *actions, window=1):
    for a in actions:
        r = c.post(f"/api/v1/windows/{window}/actions", json=a, headers=AUTH)
        assert r.status_code == 200, r.text
    return r.json()


def served_ticket(c, **body):
    t = c.post("/api/v1/tickets", json={"service": "ZH", **body}, headers=AUTH)
    assert t.status_code == 201, t.text
    clerk(c, {"action": "login", "staff_code": "1001"}, {"action": "call_next"}, {"action": "start"})
    return t.json()


def test_kiosk_ticket_carries_a_minted_code_and_the_citizen_rates_with_it(api):
    c, rt = api
    t = served_ticket(c, matter="330681-ZH-002")
    code = t["sup_code"]
    assert len(code) == 8 and set(code) <= set(SUP_ALPHABET) and t["matter"] == "330681-ZH-002"
    # the code is the citizen's, on their printed ticket: a look-up by number does not show it
    assert "sup_code" not in c.get(f"/api/v1/tickets/{t['id']}").json()
    got = clerk(c, {"action": "attach_case", "project_no": "330681-2026-000123"}, {"action": "finish"})
    assert got["project_no"] == "330681-2026-000123"
    r = c.post("/api/v1/ratings/supplementary", json={"code": code.lower(), "level": 1, "reasons": ["01"]})
    assert r.status_code == 201, r.text
    rec = r.json()
    assert (rec["prompt"], rec["assess_number"], rec["channel"], rec["project_no"], rec["matter"]) == (
        "S" + code, 2, "supplementary", "330681-2026-000123", "330681-ZH-002")
    r = c.post("/api/v1/ratings/supplementary", json={"code": code, "level": 5})
    assert r.status_code == 409 and "already rated" in r.json()["reason"]
    assert r.json()["detail"] == f"{t['number']}号已经补充评价过了（一次一评）"  # for the citizen's page
    assert c.post("/api/v1/ratings/supplementary", json={"code": "ZZZZ2222", "level": 5}).status_code == 404
    assert c.post("/api/v1/ratings/supplementary", json={"code": code, "level": 9}).status_code == 422
    assert c.post("/api/v1/ratings/supplementary", json={"code": code, "level": 4, "x": 1}).status_code == 422
    assert c.post("/api/v1/tickets", json={"service": "ZH", "matter": "330681-SB-001"}, headers=AUTH).status_code == 422
    assert c.get("/api/v1/stats/today").json()["followups"][0]["status"] == "pending"


def test_a_code_already_in_use_is_minted_again(api, monkeypatch):
    c, rt = api
    first = c.post("/api/v1/tickets", json={"service": "SB"}, headers=AUTH).json()["sup_code"]
    codes = iter([first, first, "NEWC2345"])
    monkeypatch.setattr(api_app, "mint_code", lambda: next(codes))
    r = c.post("/api/v1/tickets", json={"service": "SB"}, headers=AUTH)
    assert r.status_code == 201 and r.json()["sup_code"] == "NEWC2345"


def test_content_view(api):
    c, rt = api
    body = c.get("/api/v1/content").json()
    assert (body["version"], body["source"]) == (rt.hall.evaluation.reasons_version, "hall")
    assert [r["code"] for r in body["reasons"]] == [r.code for r in rt.hall.evaluation.reasons]
    assert rt.submit({"type": "set_content", "at": MONDAY_9 + 1, "version": "zj-2026.2",
                      "reasons": [{"code": "Z1", "text": "态度"}], "source": "upstream"}).ok
    body = c.get("/api/v1/content").json()
    assert (body["version"], body["source"], body["reasons"]) == ("zj-2026.2", "upstream",
                                                                 [{"code": "Z1", "text": "态度"}])
    assert c.get("/api/v1/stats/today").json()["content"]["version"] == "zj-2026.2"


def test_supervisor_follow_ups_behind_their_own_token(api):
    c, rt = api
    served_ticket(c)
    clerk(c, {"action": "finish"})
    prompt = clerk(c, {"action": "request_evaluation"})["prompt"]
    assert rt.submit({"type": "rate", "at": MONDAY_9 + 600, "window": 1, "prompt": prompt, "level": 2}).ok
    for headers in ({}, AUTH, {"Authorization": "Bearer nope"}):
        assert c.get("/api/v1/followups", headers=headers).status_code == 401
        assert c.post("/api/v1/followups/F1/actions", json={"action": "start", "by": "s047"},
                      headers=headers).status_code == 401
    items = c.get("/api/v1/followups", headers=SUP_AUTH).json()
    assert [(f["id"], f["status"], f["status_name"], f["eval_ref"]) for f in items] == [
        ("F1", "pending", "待整改", prompt)]
    assert c.get("/api/v1/followups?status=rectified", headers=SUP_AUTH).json() == []
    assert c.get("/api/v1/followups?overdue=true", headers=SUP_AUTH).json() == []
    assert len(c.get("/api/v1/followups?overdue=false", headers=SUP_AUTH).json()) == 1
    assert c.get("/api/v1/followups?status=open", headers=SUP_AUTH).status_code == 422
    assert c.get("/api/v1/followups/F9", headers=SUP_AUTH).status_code == 404
    assert c.post("/api/v1/followups/F9/actions", json={"action": "start", "by": "s047"},
                  headers=SUP_AUTH).status_code == 404
    for bad in ({"action": "start"}, {"action": "explode", "by": "s047"}, {"action": "start", "by": "s047", "role": "x"},
                {"action": "callback", "by": "s047", "result": "maybe"}, {"action": "start", "by": ""},
                {"action": "start", "by": "m1"}, {"action": "start", "by": "s001"}):  # not a supervisor
        assert c.post("/api/v1/followups/F1/actions", json=bad, headers=SUP_AUTH).status_code == 422, bad
    r = c.post("/api/v1/followups/F1/actions", json={"action": "complete", "by": "s047", "note": "x"}, headers=SUP_AUTH)
    assert r.status_code == 409 and "it is 待整改 (pending)" in r.json()["detail"]
    before = rt.store.seq
    r = c.post("/api/v1/followups/F1/actions", json={"action": "request_invalid", "by": "s047", "note": "误按"},
               headers=SUP_AUTH)
    assert r.status_code == 200 and r.json()["status"] == "invalid_requested"
    r = c.post("/api/v1/followups/F1/actions", json={"action": "approve", "by": "s047"}, headers=SUP_AUTH)
    assert r.status_code == 409 and "four eyes" in r.json()["detail"]
    r = c.post("/api/v1/followups/F1/actions", json={"action": "approve", "by": "s048"}, headers=SUP_AUTH)
    assert r.status_code == 200 and r.json()["status"] == "invalid"
    r = c.post("/api/v1/followups/F1/actions", json={"action": "callback", "by": "s048", "result": "reached"},
               headers=SUP_AUTH)
    assert r.status_code == 200 and r.json()["callbacks"][0]["result"] == "reached"
    assert rt.store.seq == before + 4  # every transition tried is a command in the log, the refused one too
    assert c.get("/api/v1/followups/F1", headers=SUP_AUTH).json()["status_name"] == "无效差评"
    assert c.get("/api/v1/stats/today").json()["followups"] == []  # settled: no longer open


def test_no_supervisor_token_means_no_follow_up_access(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    c = TestClient(create_app(rt, TOKEN, clock=StepClock()))
    assert c.get("/api/v1/followups", headers=AUTH).status_code == 401
    with pytest.raises(ValueError):
        create_app(rt, TOKEN, supervisor_token=TOKEN)
    rt.close()


def test_supervisor_token_from_env_or_a_private_file(tmp_path, monkeypatch):
    monkeypatch.delenv("HALL_SUPERVISOR_TOKEN", raising=False)
    token, where = load_supervisor_token(tmp_path)
    assert where == str(tmp_path / "supervisor_token") and len(token) > 30
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o600
    assert load_supervisor_token(tmp_path) == (token, where)
    monkeypatch.setenv("HALL_SUPERVISOR_TOKEN", "from-env")
    assert load_supervisor_token(tmp_path) == ("from-env", "environment variable HALL_SUPERVISOR_TOKEN")
