"""The HTTP API over a real runtime and SQLite store (FastAPI's test client, no sockets)."""
import pytest
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.runtime import Runtime
from tests.support.hallday import MONDAY_9, StepClock, hall

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KIOSK = "kiosk-test-token"
KIOSK_AUTH = {"Authorization": f"Bearer {KIOSK}"}


def client(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    return TestClient(create_app(rt, TOKEN, clock=StepClock(), kiosk_token=KIOSK)), rt


def test_kiosk_ticket_then_clerk_serves_it(tmp_path):
    c, rt = client(tmp_path)
    r = c.post("/api/v1/tickets", json={"service": "ZH", "lane": "green"}, headers=KIOSK_AUTH)
    assert r.status_code == 201 and r.json()["number"] == "A001"
    tid = r.json()["id"]
    assert c.get(f"/api/v1/tickets/{tid}").json()["state"] == "waiting"
    assert c.get("/api/v1/queue").json()["services"][0]["priority"] == ["A001"]
    for action in ({"action": "login", "staff_code": "1001"}, {"action": "call_next"}, {"action": "start"},
                   {"action": "finish", "case_type": "promised"}):
        r = c.post("/api/v1/windows/1/actions", json=action, headers=AUTH)
        assert r.status_code == 200, r.text
    t = c.get(f"/api/v1/tickets/{tid}").json()
    assert (t["state"], t["outcome"], t["case_type"], t["window"]) == ("done", "served", "promised", 1)
    w1 = c.get("/api/v1/windows").json()[0]
    assert (w1["status"], w1["staff"], w1["cases_today"]) == ("idle", "s001", 1)
    stats = c.get("/api/v1/stats/today").json()
    assert stats["volume"]["served"] == 1 and stats["window"]["1"]["served"] == 1
    ev = stats["evaluation"]
    assert (ev["satisfaction_target"], ev["satisfaction_rate"], ev["below_target"]) == (0.95, None, None)
    prompt = c.post("/api/v1/windows/1/actions", json={"action": "request_evaluation"}, headers=AUTH).json()["prompt"]
    assert rt.submit({"type": "rate", "at": MONDAY_9 + 600, "window": 1, "prompt": prompt, "level": 3}).ok
    stats = c.get("/api/v1/stats/today").json()
    assert (stats["evaluation"]["satisfaction_rate"], stats["evaluation"]["below_target"]) == (1.0, False)
    assert stats["staff"]["s001"]["below_target"] is False
    assert c.get("/docs").status_code == 200 and "/api/v1/tickets" in c.get("/openapi.json").json()["paths"]
    rt.close()


def test_a_clerk_may_take_a_ticket_and_the_tokens_must_differ(tmp_path):
    c, rt = client(tmp_path)
    assert c.post("/api/v1/tickets", json={"service": "ZH"}, headers=AUTH).json()["number"] == "A001"
    with pytest.raises(ValueError, match="kiosk token must differ"):
        create_app(rt, TOKEN, kiosk_token=TOKEN)
    rt.close()


def test_bad_input_gets_a_4xx_with_a_reason_and_changes_nothing(tmp_path):
    c, rt = client(tmp_path)
    before = rt.store.seq
    cases = [
        (c.post("/api/v1/tickets", json={"service": "NOPE"}, headers=KIOSK_AUTH), 422, "unknown service"),
        (c.post("/api/v1/tickets", json={"service": "ZH", "lane": "vip"}, headers=KIOSK_AUTH), 422, "lane"),
        (c.post("/api/v1/tickets", json={"service": "ZH", "extra": 1}, headers=KIOSK_AUTH), 422, "extra"),
        # Nobody on the hall's network fills the queue with numbers: a ticket takes the kiosk's
        # token or a clerk's, and the kiosk's token acts for no window.
        (c.post("/api/v1/tickets", json={"service": "ZH"}), 401, "Bearer"),
        (c.post("/api/v1/tickets", json={"service": "ZH"}, headers={"Authorization": "Bearer wrong"}), 401,
         "Bearer"),
        (c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=KIOSK_AUTH), 401, "Bearer"),
        (c.post("/api/v1/windows/1/actions", json={"action": "login", "staff_code": "1001"}), 401, "Bearer"),
        (c.post("/api/v1/windows/1/actions", json={"action": "call_next"},
                headers={"Authorization": "Bearer wrong"}), 401, "Bearer"),
        # the hall's windows are the path's enum: another number is the model's 422, naming them
        (c.post("/api/v1/windows/99/actions", json={"action": "call_next"}, headers=AUTH), 422,
         "unknown window; this hall has 1, 2,"),
        (c.post("/api/v1/windows/1/actions", json={"action": "explode"}, headers=AUTH), 422, "action"),
        (c.post("/api/v1/windows/1/actions", json={"action": "pause", "reason": "会议", "until": "9h"},
                headers=AUTH), 422, "HH:MM"),
        (c.post("/api/v1/windows/1/actions", json={"action": "login"}, headers=AUTH), 422, "staff_code"),
        (c.get("/api/v1/tickets/2026-11-23-A999"), 404, "no ticket"),
        # the clerk never rates their own service: ratings come from the evaluator only
        (c.post("/api/v1/windows/1/actions", json={"action": "rate", "prompt": "E1", "level": 5},
                headers=AUTH), 422, "action"),
    ]
    for r, code, words in cases:
        assert r.status_code == code, (r.status_code, r.text)
        assert words in r.text
    assert rt.store.seq == before  # nothing reached the log
    r = c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=AUTH)
    assert r.status_code == 409 and "nobody is logged in at window 1" in r.json()["detail"]
    rt.close()


def test_state_survives_a_new_app_on_the_same_store(tmp_path):
    c, rt = client(tmp_path)
    ids = [c.post("/api/v1/tickets", json={"service": "SB"}, headers=KIOSK_AUTH).json()["id"] for _ in range(3)]
    c.post("/api/v1/windows/9/actions", json={"action": "login", "staff_code": "1017"}, headers=AUTH)
    c.post("/api/v1/windows/9/actions", json={"action": "call_next"}, headers=AUTH)
    rt.close()
    c2, rt2 = client(tmp_path)
    assert [c2.get(f"/api/v1/tickets/{i}").json()["state"] for i in ids] == ["called", "waiting", "waiting"]
    assert c2.get("/api/v1/windows").json()[8]["ticket_number"] == "B001"
    rt2.close()


def test_a_supervisor_books_an_appointment_and_the_citizen_checks_in_with_its_code(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    c = TestClient(create_app(rt, TOKEN, clock=StepClock(), supervisor_token="sup", kiosk_token=KIOSK))
    sup = {"Authorization": "Bearer sup"}
    slot = {"service": "SB", "start": "2026-11-23T09:30:00", "end": "2026-11-23T10:00:00"}
    assert c.post("/api/v1/appointments", json=slot).status_code == 401
    assert c.post("/api/v1/appointments", json=slot, headers=KIOSK_AUTH).status_code == 401
    r = c.post("/api/v1/appointments", json=slot, headers=sup)
    assert r.status_code == 201, r.text
    a = r.json()
    assert len(a["code"]) == 6 and a["code"].isdigit()
    assert (a["slot"], a["check_in"], a["service_name"], a["state_name"]) == ("09:30-10:00", "09:00-10:15",
                                                                            "社会保险", "已预约")
    late = c.post("/api/v1/appointments", json={**slot, "start": "2026-11-23T18:00:00",
                                                "end": "2026-11-23T18:30:00"}, headers=sup)
    assert late.status_code == 409 and "opening hours" in late.json()["detail"]
    assert [x["code"] for x in c.get("/api/v1/appointments", headers=sup).json()] == [a["code"]]
    assert c.get("/api/v1/appointments?day=2026-02-30", headers=sup).status_code == 422
    body = {"service": "SB", "lane": "appointment", "appointment_code": a["code"]}
    t = c.post("/api/v1/tickets", json=body, headers=KIOSK_AUTH)
    assert t.status_code == 201 and t.json()["lane"] == "appointment"
    assert c.post("/api/v1/tickets", json=body, headers=KIOSK_AUTH).status_code == 409
    assert c.post(f"/api/v1/appointments/{a['id']}/cancel", headers=sup).status_code == 409  # checked in already
    assert c.post("/api/v1/appointments/2026-11-23:000000/cancel", headers=sup).status_code == 404
    rt.close()


def test_the_queue_says_the_order_the_windows_call_in(tmp_path):
    c, rt = client(tmp_path)
    for lane in ("normal", "normal", "normal", "green"):  # A004 is green: due after two normal calls
        assert c.post("/api/v1/tickets", json={"service": "ZH", "lane": lane}, headers=KIOSK_AUTH).status_code == 201
    zh = c.get("/api/v1/queue").json()["services"][0]
    assert (zh["code"], zh["waiting"], zh["normal"], zh["priority"]) == ("ZH", 4, ["A001", "A002", "A003"], ["A004"])
    assert zh["call_order"] == ["A001", "A002", "A004", "A003"]
    assert c.post("/api/v1/windows/1/actions", json={"action": "login", "staff_code": "1001"},
                  headers=AUTH).status_code == 200
    called = []
    for _ in range(4):
        called.append(c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=AUTH).json()["number"])
        for action in ("start", "finish"):
            assert c.post("/api/v1/windows/1/actions", json={"action": action}, headers=AUTH).status_code == 200
    assert called == zh["call_order"]
    rt.close()
