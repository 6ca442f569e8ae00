"""Bodies are bounded and never read before their sender is known (gateway/api/gate.py), and no
error answer sends the input back (gateway/api/refusals.py).

Through FastAPI's test client with a wrapper that counts the body bytes the app pulls: a 20 MB
POST without a token is 401 with nothing read, with a token 413 with nothing read (its
Content-Length says it all), a chunked one is cut off at the route's limit, and a 422 names
the field, never the value. Then a real `hallgw run` and a client that sends the headers and
waits: the answer comes before it sent a byte of the body, and twenty 20 MB requests leave the
process's memory where it was."""
import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.api import create_app
from gateway.api.contract import COMMAND_BODY, NOTE_BODY
from gateway.extensions import clerk_console
from gateway.extensions.ports import PUSH_HUB
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from hil.services import process
from tests.support import ROOT
from tests.support.context import context
from tests.support.hallday import StepClock, hall
from tests.support.mosquitto import free_port

TOKEN, KIOSK, SUP = "clerk-token", "kiosk-token", "sup-token"
BIG = 20 * 1024 * 1024
MARK = "Zq7MARKxy"  # a value no answer may carry back


class Counting:
    """The app, with the body bytes it pulled from the server counted."""

    def __init__(self, app):
        self.app, self.read = app, 0

    async def __call__(self, scope, receive, send):
        async def counted():
            message = await receive()
            self.read += len(message.get("body", b""))
            return message
        await self.app(scope, counted, send)


@pytest.fixture
def served(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    clock = StepClock()
    app = create_app(rt, TOKEN, clock=clock, supervisor_token=SUP, kiosk_token=KIOSK)
    console = clerk_console.create(context(rt, tmp_path, app=app, clock=clock, tokens={"clerk": TOKEN},
                                           ports={PUSH_HUB: PushHub(rt)}))
    console.start()
    counting = Counting(app)
    yield TestClient(counting), counting, console.console
    rt.close()


def streamed(app, path: str, token: str, chunks) -> tuple[int, bytes, int]:
    """POST to the ASGI app as a client that streams its body without a length (chunked), one
    chunk each time the app asks. -> (status, answer body, body bytes the app pulled)."""
    async def run():
        pulled, out = 0, {"status": 0, "body": b""}

        async def receive():
            nonlocal pulled
            chunk = next(chunks, None)
            pulled += len(chunk or b"")
            return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

        async def send(message):
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")
        headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked"),
                   (b"authorization", f"Bearer {token}".encode()), (b"host", b"testserver")]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
                 "headers": headers, "client": ("testclient", 50000), "server": ("testserver", 80)}
        await app(scope, receive, send)
        return out["status"], out["body"], pulled
    return asyncio.run(run())


def post(c, path: str, body: bytes, token: str | None = None, **headers):
    headers = {"Content-Type": "application/json", **headers}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return c.post(path, content=body, headers=headers)


def test_a_20_mb_body_without_a_token_is_refused_before_a_byte_is_read(served):
    c, app, console = served
    body = b'{"service": "' + b"x" * BIG + b'"}'
    r = post(c, "/api/v1/tickets", body)
    assert r.status_code == 401 and r.json()["detail"] == "需要叫号机口令或接口令牌" and app.read == 0
    assert r.headers["connection"] == "close"  # the rest of the body is never read
    r = post(c, "/api/v1/windows/1/actions", body, token="wrong")
    assert r.status_code == 401 and app.read == 0
    # A page's route: its throttle and the clerk's cookie are asked first, as they would be after.
    r = post(c, "/clerk/api/login", body)
    assert r.status_code == 401 and app.read == 0
    assert console.throttle.fails["testclient"][0] == 1  # and the try counts as a wrong one
    r = post(c, "/api/v1/followups/F1/actions", body, token=TOKEN)  # a clerk is no supervisor
    assert r.status_code == 401 and app.read == 0


def test_a_body_over_the_routes_limit_is_413_and_nothing_is_sent_back(served):
    c, app, _ = served
    body = b'{"service": "' + MARK.encode() * (BIG // len(MARK)) + b'"}'
    r = post(c, "/api/v1/tickets", body, token=KIOSK)
    assert r.status_code == 413 and app.read == 0
    assert r.json() == {"detail": f"请求内容过大：本操作最多接受 {COMMAND_BODY // 1024} KB",
                        "reason": f"the body is larger than this operation takes (at most {COMMAND_BODY} bytes)"}
    # Sent without a length (chunked): read as it comes, and cut off at the limit.
    chunk = MARK.encode() * 100
    status, answer, pulled = streamed(app.app, "/api/v1/tickets", KIOSK, (chunk for _ in range(BIG // len(chunk))))
    assert status == 413 and MARK.encode() not in answer
    assert COMMAND_BODY < pulled <= COMMAND_BODY + len(chunk)
    # A route with a free-text note takes more (500 characters, each up to 12 bytes as JSON
    # escapes), and a command well within its limit goes through.
    note = json.dumps({"action": "start", "by": "s047", "note": "\U0001F600" * 500}).encode()
    assert COMMAND_BODY < len(note) <= NOTE_BODY
    assert post(c, "/api/v1/followups/F1/actions", note, token=SUP).status_code == 404  # past the gate
    assert post(c, "/api/v1/tickets", json.dumps({"service": "ZH"}).encode(), token=KIOSK).status_code == 201


def test_a_422_names_the_field_never_the_value(served):
    c, app, _ = served
    bad = [("/api/v1/tickets", KIOSK, {"service": MARK}),
           ("/api/v1/tickets", KIOSK, {"service": "ZH", "lane": MARK}),
           ("/api/v1/tickets", KIOSK, {"service": "ZH", "matter": MARK}),
           ("/api/v1/tickets", KIOSK, {"service": "ZH", "appointment_code": MARK + " !"}),
           ("/api/v1/tickets", KIOSK, {"service": "ZH", "extra": MARK}),
           ("/api/v1/tickets", KIOSK, [MARK]),
           ("/api/v1/windows/1/actions", TOKEN, {"action": MARK}),
           ("/api/v1/windows/1/actions", TOKEN, {"action": "pause", "reason": MARK}),
           ("/api/v1/windows/1/actions", TOKEN, {"action": "pause", "reason": "会议", "until": MARK}),
           ("/api/v1/windows/1/actions", TOKEN, {"action": "transfer", "to_window": MARK}),
           ("/api/v1/windows/1/actions", TOKEN, {"action": "call_ticket", "number": MARK * 10}),
           ("/api/v1/windows/1/actions", TOKEN, {"action": "login", "staff_code": 123456789}),
           ("/api/v1/ratings/supplementary", None, {"code": MARK, "level": MARK}),
           ("/clerk/api/login", TOKEN, {"window": MARK, "staff_code": MARK})]
    for path, token, body in bad:
        r = post(c, path, json.dumps(body).encode(), token=token)
        assert r.status_code == 422, (body, r.text)
        assert MARK not in r.text and "123456789" not in r.text, (body, r.text)
        for issue in r.json()["detail"]:
            assert set(issue) == {"loc", "msg", "type"} and issue["msg"], issue
    r = post(c, "/api/v1/windows/1/actions", json.dumps({"action": MARK}).encode(), token=TOKEN)
    assert r.json()["detail"][0]["msg"].startswith("'action' must be one of 'login', ")  # what is wrong
    r = post(c, f"/api/v1/windows/{MARK}/actions", b'{"action": "call_next"}', token=TOKEN)
    assert r.status_code == 422 and MARK not in r.text and r.json()["detail"][0]["loc"] == ["path", "number"]
    r = post(c, "/api/v1/tickets", b'{"service": "ZH", ' + MARK.encode() + b"}", token=KIOSK)  # not JSON
    assert r.status_code == 422 and MARK not in r.text
    r = post(c, "/api/v1/tickets", json.dumps({"service": "ZH", "k" * 3000: 1}).encode(), token=KIOSK)
    assert r.status_code == 422 and len(r.text) < 400  # an unknown key is named, cut short


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def headers_then_wait(port: int, path: str, token: str | None) -> tuple[str, int]:
    """Send a request's headers for a 20 MB body, then wait for the answer before sending any of it;
    then send the body as far as the server takes it. -> (the status line, body bytes it took)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
              f"Content-Length: {BIG}\r\n\r\n".encode())
    answer = s.recv(65536).decode("utf-8", "replace")  # before a byte of the body
    sent = 0
    try:
        while sent < BIG:
            s.sendall(b"x" * 65536)
            sent += 65536
    except OSError:
        pass  # closed after its answer: the rest is never read
    finally:
        s.close()
    return answer.split("\r\n", 1)[0], sent


def test_a_real_gateway_answers_before_the_body_and_keeps_its_memory(tmp_path):
    port = free_port()
    args = [sys.executable, "-m", "gateway.cli", "run", "--config", "hall_config/village.toml", "--data-dir",
            str(tmp_path), "--http-port", str(port), "--no-extensions"]
    with open(tmp_path / "gateway.log", "wb") as log:
        p = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 120  # a guard on a busy machine, not a measure
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/queue", timeout=2).read()
                break
            except OSError:
                assert p.poll() is None and time.monotonic() < end, (tmp_path / "gateway.log").read_text()
                time.sleep(0.2)
        kiosk = (tmp_path / "kiosk_token").read_text().strip()
        before = rss_kb(p.pid)
        taken = []
        for i in range(20):
            status, sent = headers_then_wait(port, "/api/v1/tickets", kiosk if i % 2 else None)
            assert status == ("HTTP/1.1 413 Request Entity Too Large" if i % 2 else "HTTP/1.1 401 Unauthorized")
            taken.append(sent)
        after = rss_kb(p.pid)
        print(f"\nrss_before_kb={before} rss_after_kb={after} after 20 POSTs of 20 MB (10 without a token, "
              f"10 too large); the client sent at most {max(taken)} bytes of a body before the server closed")
        assert after - before < 20 * 1024  # generous: the bodies (400 MB in all) were never read into memory
        assert max(taken) < BIG
    finally:
        process.stop(p, grace=20)
