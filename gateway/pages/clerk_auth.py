"""The clerk console's people: the staff login code, throttled, and console sessions,
each bound to one window and one staff member.

The browser itself is the clerk role's (gateway/roles): the API token, presented once in
an Authorization header (never in a URL: URLs stay in history, proxy logs and Referer
headers), is answered with the clerk's signed HttpOnly page cookie, which the console's
routes then take. Sessions are random ids held in memory: a gateway restart ends them all
(the clerk logs in again; the engine still has them logged in, so that is allowed).
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SESSION_COOKIE = "hall_clerk"
COOKIE_PATH = "/clerk"
SESSION_SECONDS = 14 * 3600   # a long service day; then log in again
DELAY_BASE, DELAY_MAX = 1.0, 300.0
THROTTLE_KEEP = 4096          # clients remembered; the oldest go first


class Throttle:
    """Wrong codes (or tokens) per client: the n-th in a row locks that client out for
    DELAY_BASE * 2**(n-1) seconds, at most DELAY_MAX. A right one clears the count."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic):
        self.now = monotonic
        self.fails: dict[str, tuple[int, float]] = {}  # client -> (wrong in a row, locked until)

    def wait(self, client: str) -> float:
        """Seconds this client must still wait (0: it may try)."""
        n, until = self.fails.get(client, (0, 0.0))
        return max(0.0, until - self.now())

    def refuse_while_locked(self, request) -> str:
        """The request's client; a 429 (错误次数过多, in Chinese only) while it is locked out."""
        from gateway.api.refusals import PageRefusal

        client = request.client.host if request.client else "?"
        wait = int(self.wait(client) + 0.999)
        if wait > 0:
            raise PageRefusal(429, "too many wrong tries", detail=f"错误次数过多，请 {wait} 秒后再试",
                              headers={"Retry-After": str(wait)})
        return client

    def fail(self, client: str) -> float:
        n = self.fails.pop(client, (0, 0.0))[0] + 1
        delay = min(DELAY_MAX, DELAY_BASE * 2 ** (n - 1))
        self.fails[client] = (n, self.now() + delay)
        if len(self.fails) > THROTTLE_KEEP:
            self.fails.pop(next(iter(self.fails)))
        return delay

    def ok(self, client: str) -> None:
        self.fails.pop(client, None)


@dataclass
class Session:
    sid: str
    window: int
    staff: str
    name: str
    expires: float
    last_message: str = field(default="")


class Sessions:
    """Console sessions by id; at most one per window (a new login takes its place)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic):
        self.now = monotonic
        self.by_id: dict[str, Session] = {}

    def open(self, window: int, staff: str, name: str) -> Session:
        for s in [s for s in self.by_id.values() if s.window == window or s.staff == staff]:
            self.by_id.pop(s.sid)
        s = Session(secrets.token_urlsafe(32), window, staff, name, self.now() + SESSION_SECONDS)
        self.by_id[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        s = self.by_id.get(sid or "")
        if s is not None and s.expires <= self.now():
            self.by_id.pop(s.sid, None)
            return None
        return s

    def end(self, sid: str) -> None:
        self.by_id.pop(sid, None)

    def windows(self) -> set[int]:
        return {s.window for s in self.by_id.values()}
