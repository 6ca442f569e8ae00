"""The gateway's HTTP server (gateway/api/serving.py: uvicorn's h11 protocol held to the
connection table and an idle time-out), served in a thread on a small app with a tiny table:
idle sockets make room for a request, a full table of busy ones answers 503 at once, the
streams' pools are their own, and what never sends a whole request (nothing, half a header,
half a body, half of a second request) is closed after the time-out. Each wait below ends on
what it waits for (an answer, the server closing the socket), the socket's time-out is a guard."""
import asyncio
import json
import socket
import threading
import time

import pytest

from gateway.api import serving
from gateway.api.connections import ConnectionTable, Limits

BRIEF_S = 0.5   # the idle time-out where it is what a test looks at
LONG_S = 60.0   # where it is not: nothing is closed for time while the test runs
GUARD_S = 20.0  # a socket's time-out: a bound on a broken server, never the thing measured


def app_factory(release: threading.Event):
    async def held():  # until the test lets go
        while not release.is_set():
            await asyncio.sleep(0.01)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/slow":
            await held()
        if path.startswith("/api/v1/stream/"):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream")]})
            await send({"type": "http.response.body", "body": b"event: snapshot\ndata: {}\n\n", "more_body": True})
            await held()
            await send({"type": "http.response.body", "body": b""})
            return
        body = b""
        more = True
        while more:
            msg = await receive()
            body += msg.get("body", b"")
            more = msg.get("more_body", False)
        out = json.dumps({"path": path, "got": len(body)}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]})
        await send({"type": "http.response.body", "body": out})
    return app


def serve(idle_timeout: float):
    """A server on a free port with a table of 16 request slots and 4 per stream pool."""
    release = threading.Event()
    table = ConnectionTable(Limits(requests=16, pages=4, phones=4))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = serving.server(app_factory(release), "127.0.0.1", port, table, threading.Event(), idle_timeout)
    t = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    t.start()
    end = time.monotonic() + GUARD_S
    while not server.started:
        assert time.monotonic() < end
        time.sleep(0.02)
    yield port, table, release
    release.set()
    server.should_exit = True
    t.join(GUARD_S)


@pytest.fixture
def served():
    yield from serve(LONG_S)


@pytest.fixture
def briefly():
    yield from serve(BRIEF_S)


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)
    return s


def request(port: int, path: str = "/ok", sock: socket.socket | None = None) -> tuple[int, bytes]:
    s = sock or connect(port)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: hall\r\n\r\n".encode())
    return read_answer(s)


def read_answer(s: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, f"closed before an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    length = [int(ln.split(b":")[1]) for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length:")]
    while length and len(body) < length[0]:
        body += s.recv(4096)
    return status, head + b"\r\n\r\n" + body


def stream_opened(s: socket.socket, path: str) -> bool:
    """A stream asked for on s; True once its first event came."""
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: hall\r\n\r\n".encode())
    data = b""
    while b"event: snapshot" not in data:
        chunk = s.recv(4096)
        assert chunk, f"closed before its first event: {data!r}"
        data += chunk
    return data.startswith(b"HTTP/1.1 200 ")


def closed_by_server(s: socket.socket) -> bool:
    """True once the server closes the socket (EOF or reset); the guard time-out fails the test."""
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return True


def test_idle_sockets_make_room_for_a_request(served):
    port, table, _ = served
    idle = [connect(port) for _ in range(40)]  # more than the 16 request slots, never a byte sent
    status, body = request(port, "/api/v1/kiosk/tickets")
    assert status == 200 and b"kiosk" in body
    assert table.evicted >= 40 + 1 - 16
    assert closed_by_server(idle[0])  # the longest idle went first
    assert len(table.open) <= 16
    for s in idle:
        s.close()


def test_a_table_full_of_busy_connections_answers_503_at_once(served):
    port, table, release = served
    busy = [connect(port) for _ in range(16)]
    for s in busy:
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: hall\r\n\r\n")
    end = time.monotonic() + GUARD_S
    while sum(1 for c in table.open if not c.is_idle()) < 16:  # the server has every request in hand
        assert time.monotonic() < end
        time.sleep(0.01)
    status, answer = request(port, "/ok")
    assert status == 503 and b"retry-after: 1" in answer.lower()
    assert "网关繁忙" in answer.decode() and table.refused == 1
    release.set()
    assert all(read_answer(s)[0] == 200 for s in busy)
    assert request(port, "/ok")[0] == 200  # answered, they are idle: room again


def test_streams_have_their_own_pools(served):
    port, table, release = served
    screens = [connect(port) for _ in range(4)]
    assert all(stream_opened(s, "/api/v1/stream/screen") for s in screens)
    status, answer = request(port, "/api/v1/stream/dashboard")  # a fifth page stream
    assert status == 503 and "同时打开的页面过多" in answer.decode()
    assert stream_opened(connect(port), "/api/v1/stream/ticket/A001")  # the phones' pool is not the pages'
    assert table.refused_streams == {"pages": 1, "phones": 0}
    idle = [connect(port) for _ in range(40)]  # a flood of idle sockets
    assert request(port, "/ok")[0] == 200
    assert table.figures()["in_use"]["pages"] == 4  # no screen closed for the flood
    for s in screens:  # the flood was taken in before /ok was answered: any close has happened
        s.setblocking(False)
        with pytest.raises(BlockingIOError):
            s.recv(1)  # still open: no EOF, and the stream has nothing new to say
    for s in idle:
        s.close()


def test_a_connection_that_sends_nothing_is_closed_after_the_time_out(briefly):
    port, table, _ = briefly
    s = connect(port)
    assert closed_by_server(s)
    assert table.timed_out == 1


def test_half_a_header_is_closed_after_the_time_out(briefly):
    port, table, _ = briefly
    s = connect(port)
    s.sendall(b"GET /ok HTTP/1.1\r\nHost: hall\r\n")  # and no blank line
    for _ in range(3):  # a byte now and then does not keep it open
        s.sendall(b"X")
    assert closed_by_server(s)
    assert table.timed_out == 1


def test_half_a_body_is_closed_after_the_time_out(briefly):
    port, table, _ = briefly
    s = connect(port)
    s.sendall(b"POST /api/v1/kiosk/tickets HTTP/1.1\r\nHost: hall\r\nContent-Length: 100\r\n\r\n{\"se")
    assert closed_by_server(s)
    assert table.timed_out == 1


def test_a_kept_alive_connection_is_closed_after_its_answer_and_the_time_out(briefly):
    port, table, _ = briefly
    s = connect(port)
    assert request(port, "/ok", s)[0] == 200
    assert request(port, "/ok", s)[0] == 200  # kept alive: the same socket serves again
    s.sendall(b"GET /ok HTTP/1.1\r\nHo")  # then half of a third request
    assert closed_by_server(s)
    assert table.timed_out == 1
