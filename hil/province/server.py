"""HTTP around the platform: routes, bodies, and the faults that act on the
connection itself (503, a silent close, a late answer). Paths under /_ are the
test tool's control and inspection endpoints and never see a fault."""
from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from hil.province.platform import (
    CONTENT_PATH,
    EVAL_PATH,
    FOLLOWUP_PATH,
    FORM,
    FORM_PATH,
    HCP,
    TOKEN_PATH,
    VERSION_PATH,
    Answer,
    Invalid,
    Platform,
)

MAX_BODY = 1 << 20
ROUTES = {  # path -> (method, protocol, kind)
    TOKEN_PATH: ("POST", HCP, "json"),
    EVAL_PATH: ("POST", HCP, "json"),
    FOLLOWUP_PATH: ("POST", HCP, "json"),
    VERSION_PATH: ("GET", HCP, "none"),
    CONTENT_PATH: ("GET", HCP, "none"),
    FORM_PATH: ("POST", FORM, "form"),
}
INSPECT = {"/_state": "state", "/_records": "records", "/_form_records": "form_records",
           "/_followups": "followups", "/_conflicts": "conflicts", "/_attempts": "attempts"}


class _BadBody(Exception):
    def __init__(self, status: int, msg: str):
        super().__init__(msg)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as a real platform: clients must cope with closed connections
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body back for the client's delayed ACK, 40 ms an answer on loopback.
    disable_nagle_algorithm = True
    server_version = "province-emulator/1"
    server: ProvinceServer

    def log_message(self, format, *args):  # noqa: A002 - the attempts table is the log
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    # -- plumbing -----------------------------------------------------------
    def _send(self, status: int, body) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without a byte of answer: a cut link."""
        self.close_connection = True

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _BadBody(411, "chunked bodies are not accepted: send Content-Length")
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise _BadBody(400, "Content-Length is not a number") from None
        if n < 0 or n > MAX_BODY:
            raise _BadBody(413, f"body over {MAX_BODY} bytes")
        return self.rfile.read(n) if n else b""

    # -- requests -----------------------------------------------------------
    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        if url.path.startswith("/_"):
            return self._control(method, url.path)
        p = self.server.platform
        protocol = ROUTES.get(url.path, (None, "other"))[1]
        if p.faults.offline:
            p.log_attempt(protocol, method, url.path, None, "offline")
            return self._drop()
        fault = p.faults.take()
        if fault and fault.kind == "timeout":
            # Silent for S seconds, then closed unprocessed: the client must time out and resend.
            time.sleep(fault.seconds)
            p.log_attempt(protocol, method, url.path, None, "timeout")
            return self._drop()
        try:
            body = self._body()
        except _BadBody as e:
            self.close_connection = True
            p.log_attempt(protocol, method, url.path, None, str(e.status), str(e))
            return self._send(e.status, {"code": str(e.status), "msg": str(e)})
        if fault and fault.kind == "5xx":
            p.log_attempt(protocol, method, url.path, None, "503")
            return self._send(503, {"code": "503", "msg": "服务暂不可用"})
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        answer = self._route(method, url.path, url.query, body)
        if answer.accepted and url.path in (EVAL_PATH, FORM_PATH) and p.faults.take_cut():
            # Stored and committed, then the answer is lost on the way back.
            p.log_attempt(protocol, method, url.path, answer.key, "cut", answer.label)
            return self._drop()
        p.log_attempt(protocol, method, url.path, answer.key, answer.label)
        self._send(answer.status, answer.body)

    def _route(self, method: str, path: str, query: str, body: bytes) -> Answer:
        p = self.server.platform
        if path not in ROUTES:
            return Answer(404, {"code": "404", "msg": f"no such path {path}"}, "other")
        want, protocol, kind = ROUTES[path]
        if method != want:
            return Answer(405, {"code": "405", "msg": f"{path} takes {want}"}, protocol)
        if kind == "form":
            if self.headers.get_content_type() != "application/x-www-form-urlencoded":
                return p.bad(FORM, "Content-Type must be application/x-www-form-urlencoded")
            try:
                fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body),
                                  errors="strict")
            except (UnicodeDecodeError, ValueError) as e:
                return p.bad(FORM, f"body is not a UTF-8 urlencoded form ({e})")
            return p.form(fields)
        token = self._bearer()
        if kind == "none":
            if path == VERSION_PATH:
                return p.content_version(token)
            q = parse_qs(query)
            return p.content(token, (q.get("level") or [None])[0], (q.get("version") or [None])[0])
        if self.headers.get_content_type() != "application/json":
            return p.bad(HCP, "Content-Type must be application/json")
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return p.bad(HCP, f"body is not UTF-8 JSON ({e})")
        if path == TOKEN_PATH:
            return p.token(payload)
        if path == EVAL_PATH:
            return p.evaluation(token, payload)
        return p.followup(token, payload)

    def _bearer(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None

    def _control(self, method: str, path: str) -> None:
        p = self.server.platform
        try:
            body = self._body()
        except _BadBody as e:
            self.close_connection = True
            return self._send(e.status, {"error": str(e)})
        if method == "GET" and path in INSPECT:
            return self._send(200, getattr(p, INSPECT[path])())
        if method == "POST" and path == "/_control":
            try:
                return self._send(200, p.control(json.loads(body.decode("utf-8"))))
            except (UnicodeDecodeError, ValueError) as e:
                return self._send(400, {"error": f"body is not UTF-8 JSON ({e})"})
            except Invalid as e:
                return self._send(400, {"error": str(e)})
        self._send(404, {"error": f"no control endpoint {method} {path}"})


class ProvinceServer(ThreadingHTTPServer):
    daemon_threads = True   # a sleeping fault must not hold up a stop

    def __init__(self, host: str, port: int, platform: Platform):
        self.platform = platform
        super().__init__((host, port), Handler)
