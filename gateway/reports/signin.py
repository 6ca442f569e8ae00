"""Who acts on the dashboard: a supervisor signs in with their own login code.

The dashboard's key (the supervisor token; then its signed HttpOnly cookie) opens the page for
anyone the hall gave it to; it says nothing of who is at the desk. Four eyes needs to know that, so a
member of the hall's staff marked `supervisor = true` in the hall file signs in on the page
with their own login code, read through the same code book as a clerk's at a window
(gateway/logins: hashed, never logged). The session is a random id in an HttpOnly cookie,
held in memory: a gateway restart ends it (sign in again). Wrong codes are throttled per
client as at the clerk console, and a code of someone who is no supervisor counts as wrong,
with the same answer, so the page cannot be used to find out clerks' codes."""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.contract import answers
from gateway.api.refusals import PageRefusal
from gateway.pages.clerk_auth import Throttle
from gateway.roles import SUPERVISOR, same_origin

COOKIE = "hall_supervisor_who"
SESSION_SECONDS = 14 * 3600  # a long working day; then sign in again
log = logging.getLogger("hallgw.dashboard")


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=16)


@dataclass(frozen=True)
class Supervisor:
    staff: str
    name: str
    expires: float


class Desk:
    """The supervisors signed in on this gateway's dashboards, by session id."""

    def __init__(self, hall, codes, monotonic: Callable[[], float] = time.monotonic):
        self.codes, self.now = codes, monotonic
        self.supervisors = {s.id: s for s in hall.staff if s.supervisor}
        self.throttle = Throttle(monotonic)
        self.sessions: dict[str, Supervisor] = {}

    def who(self, request: Request) -> Supervisor | None:
        sid = request.cookies.get(COOKIE) or ""
        s = self.sessions.get(sid)
        if s is not None and s.expires <= self.now():
            self.sessions.pop(sid, None)
            return None
        return s

    def need(self, request: Request) -> Supervisor:
        s = self.who(request)
        if s is None:
            raise PageRefusal(401, "no supervisor signed in", detail="请先以监管人员身份登录（输入本人登录码）")
        return s

    def sign_in(self, request: Request, response: Response, code: str) -> Supervisor:
        same_origin(request)
        client = self.throttle.refuse_while_locked(request)
        staff = self.codes.resolve(code.strip())
        member = self.supervisors.get(staff or "")
        if member is None:
            delay = self.throttle.fail(client)
            log.warning("dashboard: a sign-in with a wrong or non-supervisor code from %s", client)
            raise PageRefusal(401, "not a supervisor's login code", detail=f"登录码错误，或不是监管人员的登录码；{int(delay + 0.999)} 秒后可再试")
        self.throttle.ok(client)
        now = self.now()
        for old in [k for k, v in self.sessions.items() if v.expires <= now]:  # ended days go
            self.sessions.pop(old)
        sid = secrets.token_urlsafe(32)
        s = self.sessions[sid] = Supervisor(member.id, member.name, now + SESSION_SECONDS)
        response.set_cookie(COOKIE, sid, max_age=SESSION_SECONDS, path="/", httponly=True, samesite="strict")
        log.info("dashboard: supervisor %s signed in", member.id)
        return s

    def sign_out(self, request: Request, response: Response) -> None:
        same_origin(request)
        self.sessions.pop(request.cookies.get(COOKIE) or "", None)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def mount(app, desk: Desk) -> None:
    """GET /api/v1/dashboard/me, POST …/signin {code}, POST …/signout: behind the supervisor's
    one dependency (the dashboard's key)."""
    page = [Depends(SUPERVISOR)]

    def answer(s: Supervisor | None) -> dict:
        return {"staff": s.staff, "name": s.name} if s else {"staff": None, "name": None}

    @app.get("/api/v1/dashboard/me", dependencies=page, responses=answers(401, 422),
             summary="The supervisor signed in at this browser")
    def me(request: Request):
        return answer(desk.who(request))

    @app.post("/api/v1/dashboard/signin", dependencies=page, responses=answers(400, 401, 403, 422, 429),
              summary="A supervisor signs in on the dashboard with their own login code")
    def sign_in(request: Request, response: Response, body: SignIn):
        return answer(desk.sign_in(request, response, body.code))

    @app.post("/api/v1/dashboard/signout", dependencies=page, responses=answers(401, 403, 422),
              summary="The supervisor signs out")
    def sign_out(request: Request, response: Response):
        desk.sign_out(request, response)
        return answer(None)
