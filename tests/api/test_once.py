"""Idempotency-Key (issue 26, point 6: a kiosk retry made phantom tickets): a request repeated
with its key is applied once and answered as the first time, through the API's tickets and
clerk actions and the clerk console's; a key names one request; bad keys are refused; a key
applied survives a stop between the command and its answer; keys live for the service day."""
import sqlite3

import pytest
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.config import load_file
from gateway.extensions import clerk_console
from gateway.extensions.ports import PUSH_HUB
from gateway.pages.clerk_auth import SESSION_COOKIE
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from gateway.store import LogReader
from tests.support import ROOT
from tests.support.context import context
from tests.support.hallday import MONDAY_9, StepClock, at

TOKEN = "clerk-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TICKET = {"service": "ZH", "matter": "330681-ZH-002"}
KEY = "0f8e2b7c9a514d6e8c3b1a2f4e6d8c0b"


def keyed(key: str = KEY) -> dict:
    return {**AUTH, "Idempotency-Key": key}


class Hall:
    def __init__(self, data, clock=None):
        self.rt = Runtime(load_file(ROOT / "hall_config" / "county.toml"), data)
        self.clock = clock or StepClock(MONDAY_9)
        app = create_app(self.rt, TOKEN, clock=self.clock)
        self.ext = clerk_console.create(context(self.rt, data, app=app, clock=self.clock, tokens={"clerk": TOKEN},
                                                ports={PUSH_HUB: PushHub(self.rt)}))
        self.ext.start()
        self.c = TestClient(app)

    def commands(self, kind: str) -> list[dict]:
        with LogReader.open(self.rt.store.path) as r:
            return [x["cmd"] for x in r.records_after(0) if x["cmd"]["type"] == kind]

    def close(self):
        self.rt.close()


@pytest.fixture
def hall(tmp_path):
    h = Hall(tmp_path)
    yield h
    h.close()


def test_a_ticket_request_repeated_with_its_key_is_one_ticket(hall):
    first = hall.c.post("/api/v1/tickets", json=TICKET, headers=keyed())
    again = hall.c.post("/api/v1/tickets", json=TICKET, headers=keyed())
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again.json()["number"] == "A001"  # the first answer, to the byte
    assert again.headers["idempotency-replayed"] == "true" and "idempotency-replayed" not in first.headers
    assert len(hall.commands("issue_ticket")) == 1 and hall.rt.read(lambda e: len(e.tickets)) == 1
    # another touch, another key: another ticket; and without a key, as before
    assert hall.c.post("/api/v1/tickets", json=TICKET, headers=keyed("1" * 32)).json()["number"] == "A002"
    assert hall.c.post("/api/v1/tickets", json=TICKET, headers=AUTH).json()["number"] == "A003"
    assert hall.c.post("/api/v1/tickets", json=TICKET, headers=AUTH).json()["number"] == "A004"


def test_the_same_key_for_another_request_is_refused(hall):
    assert hall.c.post("/api/v1/tickets", json=TICKET, headers=keyed()).status_code == 201
    for path, body in [("/api/v1/tickets", {**TICKET, "lane": "green"}),
                       ("/api/v1/windows/1/actions", {"action": "call_next"})]:
        r = hall.c.post(path, json=body, headers=keyed())
        assert r.status_code == 422, r.text
        assert "was used today for another request" in r.json()["reason"] and "另一项操作" in r.json()["detail"]
    assert len(hall.commands("issue_ticket")) == 1 and hall.commands("call_next") == []


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space in it 1234", "semi;colon;key;0123456", "percent%2Fkey%2F0123456", ""])
def test_a_key_of_the_wrong_shape_is_refused_with_a_reason(hall, key):
    r = hall.c.post("/api/v1/tickets", json=TICKET, headers=keyed(key))
    assert r.status_code == 422, r.text
    issue = r.json()["detail"][0]
    assert issue["loc"] == ["header", "Idempotency-Key"] and "pattern" in issue["msg"]
    assert hall.rt.read(lambda e: len(e.tickets)) == 0


def test_a_clerk_call_retried_is_one_call(hall):
    for _ in range(2):
        assert hall.c.post("/api/v1/tickets", json=TICKET, headers=AUTH).status_code == 201
    assert hall.c.post("/api/v1/windows/1/actions", json={"action": "login", "staff_code": "1001"},
                       headers=AUTH).status_code == 200
    first = hall.c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=keyed())
    again = hall.c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=keyed())
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert first.json()["number"] == "A001"
    assert len(hall.commands("call_next")) == 1
    assert hall.rt.read(lambda e: (e.windows[1]["ticket_number"], e.tickets[f"{e.day}-A002"]["state"])) == (
        "A001", "waiting")  # A002 was not called by the repeat


def test_a_refusal_is_the_first_answer_too(hall):
    assert hall.c.post("/api/v1/windows/1/actions", json={"action": "login", "staff_code": "1001"},
                       headers=AUTH).status_code == 200
    first = hall.c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=keyed())
    assert first.status_code == 409 and first.json()["detail"] == "no ticket is waiting for window 1"
    assert hall.c.post("/api/v1/tickets", json=TICKET, headers=AUTH).status_code == 201
    # The repeat of that touch does not call the citizen who came meanwhile: it was a refusal.
    again = hall.c.post("/api/v1/windows/1/actions", json={"action": "call_next"}, headers=keyed())
    assert (again.status_code, again.content) == (409, first.content)
    assert hall.rt.read(lambda e: e.windows[1]["status"]) == "idle"


def test_the_console_call_retried_is_one_call(hall):
    for _ in range(2):
        hall.c.post("/api/v1/tickets", json=TICKET, headers=AUTH)
    r = hall.c.post("/clerk/api/login", json={"window": 1, "staff_code": "1001"}, headers=AUTH)
    assert r.status_code == 200, r.text
    touch = {"Idempotency-Key": KEY}
    first = hall.c.post("/clerk/api/action", json={"action": "call_next"}, headers=touch)
    again = hall.c.post("/clerk/api/action", json={"action": "call_next"}, headers=touch)
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert first.json()["message"].startswith("已叫号 A001")
    assert len(hall.commands("call_next")) == 1
    # the same key for another action at the console: refused, in Chinese for the page
    r = hall.c.post("/clerk/api/action", json={"action": "recall"}, headers=touch)
    assert r.status_code == 422 and r.json()["detail"] == "请求编号已用于另一项操作，请重新操作"
    # logging out twice with one key: out once; the repeat finds the session over (log in again)
    out = {"Idempotency-Key": "2" * 32}
    assert hall.c.post("/clerk/api/action", json={"action": "no_show"}, headers={"Idempotency-Key": "3" * 32}
                       ).status_code == 200
    r = hall.c.post("/clerk/api/logout", json={}, headers=out)
    assert r.status_code == 200 and f'{SESSION_COOKIE}=""' in r.headers.get("set-cookie", "")
    assert hall.c.post("/clerk/api/logout", json={}, headers=out).status_code == 401
    assert len(hall.commands("logout")) == 1


def test_a_request_applied_before_a_stop_is_not_applied_again(tmp_path, monkeypatch):
    """The key goes into the store with its command, in one transaction: a gateway that stopped
    between the command and keeping its answer still knows the request was applied."""
    h = Hall(tmp_path)

    def lost(*_):
        raise sqlite3.OperationalError("disk I/O error")  # the answer cannot be kept (as at a power cut)
    monkeypatch.setattr(h.rt, "keep_answer", lost)
    first = h.c.post("/api/v1/tickets", json=TICKET, headers=keyed())
    assert first.status_code == 201  # the ticket stands: it was committed before the answer
    h.close()
    h = Hall(tmp_path, StepClock(MONDAY_9 + 60))  # started again
    try:
        again = h.c.post("/api/v1/tickets", json=TICKET, headers=keyed())
        assert again.status_code == 201 and again.json() == first.json()
        assert again.headers["idempotency-replayed"] == "true"
        assert len(h.commands("issue_ticket")) == 1
        # and an answer kept survives a restart as it was, to the byte
        kept = h.c.post("/api/v1/tickets", json=TICKET, headers=keyed("4" * 32))
        h.close()
        h = Hall(tmp_path, StepClock(MONDAY_9 + 120))
        assert h.c.post("/api/v1/tickets", json=TICKET, headers=keyed("4" * 32)).content == kept.content
        assert len(h.commands("issue_ticket")) == 2
    finally:
        h.close()


def test_keys_live_for_the_service_day(tmp_path):
    clock = StepClock(MONDAY_9)
    h = Hall(tmp_path, clock)
    try:
        assert h.c.post("/api/v1/tickets", json=TICKET, headers=keyed()).status_code == 201
        assert h.rt.request_key(KEY) is not None
        clock.now = at(2026, 11, 24, 9, 0)  # Tuesday: the day rolls at the next command
        assert h.rt.submit({"type": "tick", "at": clock()}).ok
        assert h.rt.request_key(KEY) is None  # Monday's keys are forgotten
        r = h.c.post("/api/v1/tickets", json=TICKET, headers=keyed())
        assert r.status_code == 201 and r.json()["day"] == "2026-11-24" and r.json()["number"] == "A001"
    finally:
        h.close()
