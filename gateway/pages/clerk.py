"""The clerk console (/clerk): a window's call pad in a browser, for a window whose pad
is broken. Every action is the engine command the pad would send (runtime.submit with
type, window, at), always for the session's own window: the window is fixed at login
and never read from a request after it.

Routes: GET /clerk (the page), GET /clerk/api/hall (window list, enrolled?, session),
POST /clerk/api/login {window, staff_code} (+ Authorization: Bearer <API token> once per
browser), POST /clerk/api/action {action, ...}, POST /clerk/api/logout (these two take an
Idempotency-Key: a retried touch is applied once, gateway/api/once.py),
GET /clerk/api/state, GET /clerk/api/events (SSE: the window's state, pushed).
"""
# No `from __future__ import annotations`: the bodies are made for the hall (its windows, services,
# pause reasons are enums), and FastAPI reads the routes' types from the annotations themselves.
import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Cookie, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel

from gateway.api.contract import SSE, answers
from gateway.api.hall_values import of as hall_values
from gateway.api.once import KeyHeader, once_for
from gateway.api.refusals import PageRefusal, chinese
from gateway.engine import reads
from gateway.engine.commands import problem
from gateway.pages import clerk_auth as auth
from gateway.pages import clerk_view as cv
from gateway.pages.clerk_models import bodies
from gateway.pages.push import Closed, Dropped
from gateway.roles import CLERK, Presented, Refused, keyring_of, same_origin
from gateway.roles.table import ROLES

log = logging.getLogger("hallgw.clerk")
# Why a browser that held the clerk's cookie is asked for the token again (the sign-in form says it).
ENROL_PROBLEM = {"expired": f"本浏览器的开通已过期（最后一次登录后 {ROLES['clerk'].cookie_days} 天），"
                            "请再输入一次管理员提供的接口令牌。",
                 "invalid": "本浏览器的开通已失效（接口令牌已更换，或凭据被改动），请再输入一次管理员提供的接口令牌。"}
STATIC = Path(__file__).resolve().parent / "static"
HEARTBEAT_S = 2.0  # a beat event: the page shows a silent link as broken and reconnects
FINISHED = "clerk.last_finished"  # the push hub's fold: window -> the ticket it finished last


class Console:
    """The clerk's token is in the app's keyring (gateway.roles.install): the clerk's one
    dependency takes it, or the browser's signed cookie, on every route but the page and the
    hall's list of windows (which says whether this browser is enrolled)."""

    def __init__(self, runtime, hub, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic, closing: threading.Event | None = None):
        self.runtime, self.hub, self.clock = runtime, hub, clock
        self.closing = closing or threading.Event()  # set at shutdown: every stream ends within a beat
        self.hall = runtime.hall
        self.windows = {w.number: w for w in self.hall.windows}
        self.throttle = auth.Throttle(monotonic)
        self.sessions = auth.Sessions(monotonic)
        self.names = cv.target_names(self.hall)
        self.once = once_for(runtime)
        runtime.read(lambda eng: hub.keep(FINISHED, reads.last_served(eng), cv.fold_finished))

    def view(self, n: int) -> tuple[int, dict]:
        """(seq, the console's picture of window n), read under the runtime's lock."""
        return self.hub.snapshot(lambda eng: cv.window_state(eng, n, self.hub.state(FINISHED).get(n)))

    # -- credentials -----------------------------------------------------------
    def session(self, sid: str | None) -> auth.Session:
        """The request's live session, or 401. Also 401 once the engine no longer has this
        clerk at this window (logged out on the pad): the session ends with the login."""
        s = self.sessions.get(sid)
        if s is None:
            raise PageRefusal(401, "no console session", detail="未登录或会话已结束，请重新登录")
        if not self.runtime.read(lambda eng: _posted(eng, s)):
            self.sessions.end(s.sid)
            raise PageRefusal(401, f"session ended: {s.staff} is no longer logged in at window {s.window}",
                              detail=f"{s.name} 已不在 {s.window} 号窗口登录，请重新登录")
        return s

    def state(self, n: int) -> dict:
        # With the store's seq, as pushed: the page never shows an older picture over a newer one.
        seq, st = self.view(n)
        return {**st, "seq": seq}

    def throttled(self, request: Request):
        """A dependency before the clerk's: a client locked out by wrong tries is answered 429
        before anything is looked at, and a refused token counts as a wrong try."""
        same_origin(request)
        client = self.throttle.refuse_while_locked(request)
        try:
            yield client
        except Refused:
            self.throttle.fail(client)
            raise

    def login(self, request: Request, response: Response, body: BaseModel, client: str) -> dict:
        if body.window not in self.windows:
            raise PageRefusal(422, f"no window {body.window}", detail=f"本厅没有 {body.window} 号窗口")
        # The window's login may be locked by wrong codes (at its pad or here): the engine's
        # lock, asked first, so a code typed during it is never looked at.
        locked = self.runtime.read(lambda eng: reads.login_locked_for(eng, body.window, self.clock()))
        if locked:
            raise PageRefusal(429, f"login locked {locked} s more (wrong codes at window {body.window})", self.hall,
                              headers={"Retry-After": str(locked)})
        staff = self.runtime.codes.resolve(body.staff_code)
        already = self.runtime.read(lambda eng: reads.window(eng, body.window).staff)
        if staff is None or already != staff:
            # The engine's login, so its rules hold (one clerk per window, one window per clerk)
            # and a wrong code counts towards the window's lock as one typed on its pad.
            out = self.runtime.submit({"type": "login", "at": self.clock(), "window": body.window,
                                       "staff_code": body.staff_code})
            if staff is None:
                delay = self.throttle.fail(client)
                log.warning("clerk console: wrong login code for window %s from %s", body.window, client)
                raise PageRefusal(401, out.refusal, self.hall,
                                  detail=f"{chinese(out.refusal, self.hall)}，{int(delay + 0.999)} 秒后可再试")
            if not out.ok:
                raise PageRefusal(409, out.refusal, self.hall, lead="未登录：")
        # else logged in there already (on the pad before it broke): the console takes over.
        member = self.hall.staff_member(staff)
        self.throttle.ok(client)
        s = self.sessions.open(body.window, member.id, member.name)
        response.set_cookie(auth.SESSION_COOKIE, s.sid, max_age=auth.SESSION_SECONDS, path=auth.COOKIE_PATH,
                            httponly=True, samesite="strict")
        # The browser's clerk cookie, anew at each login (from the token, or from the cookie it
        # held): it outlives the session it opens.
        keyring_of(request.app).sign_in(response, "clerk")
        return self.answer(s, f"{member.name} 已登录 {body.window} 号窗口")

    def answer(self, s: auth.Session, message: str) -> dict:
        return {"message": message, "state": self.state(s.window),
                "choices": cv.hall_choices(self.hall, s.window, s.staff)}

    def act(self, request: Request, s: auth.Session, body: BaseModel, key: str | None = None) -> JSONResponse:
        same_origin(request)
        if body.window is not None and body.window != s.window:
            log.warning("clerk console of window %s tried to act for window %s", s.window, body.window)
            raise PageRefusal(403, f"this console acts for window {s.window} only",
                              detail=f"本控制台只能操作 {s.window} 号窗口")

        def acted(claim):
            cmd = {**body.command(), "type": body.action, "at": self.clock(), "window": s.window}
            why = problem(cmd, self.windows)
            if why:
                raise PageRefusal(422, why, self.hall)
            return self.acted(s, body.action, self.runtime.submit(cmd, key=claim))
        return self.once.answer(key, {"route": "clerk", "window": s.window, "body": body.model_dump(mode="json")},
                                acted, lambda outcome: self.acted(s, body.action, outcome))

    def acted(self, s: auth.Session, action: str, out) -> JSONResponse:
        """The answer to an action at the session's window: its outcome, and the window now."""
        if not out.ok:
            raise PageRefusal(409, out.refusal, self.hall, lead="未执行：")
        return JSONResponse({"message": cv.confirmation(action, out.result, self.names), "result": out.result,
                             "state": self.state(s.window)})

    def logout(self, request: Request, s: auth.Session, key: str | None = None) -> JSONResponse:
        same_origin(request)

        def out(claim):
            return self.logged_out(s, self.runtime.submit({"type": "logout", "at": self.clock(), "window": s.window},
                                                          key=claim))
        got = self.once.answer(key, {"route": "clerk-logout", "window": s.window}, out,
                               lambda outcome: self.logged_out(s, outcome))
        if got.status_code == 200:
            got.delete_cookie(auth.SESSION_COOKIE, path=auth.COOKIE_PATH, httponly=True, samesite="strict")
        return got

    def logged_out(self, s: auth.Session, out) -> JSONResponse:
        if not out.ok:
            raise PageRefusal(409, out.refusal, self.hall, lead="未退出：")
        self.sessions.end(s.sid)
        return JSONResponse({"message": f"{s.name} 已退出 {s.window} 号窗口", "state": self.state(s.window)})

    # -- push --------------------------------------------------------------------
    def stream(self, s: auth.Session):
        n, sid = s.window, s.sid

        def mine(upd):
            for ev in upd.events:
                if ev.get("window") == n or ev.get("type") in ("queue_changed", "day_started", "clock_changed"):
                    return upd
            return None

        sub = self.hub.subscribe(mine)  # before the snapshot, so nothing falls between them

        def view():
            return self.view(n)

        async def events():
            try:
                yield "retry: 1000\n\n"
                seq, state = await asyncio.to_thread(view)  # the runtime's lock: not on the event loop
                yield _sse("state", seq, state)
                while not self.closing.is_set():
                    try:
                        upd = await sub.next(HEARTBEAT_S)
                        while upd is not None and sub.pending():  # several commits: one picture of the newest
                            upd = await sub.next(0) or upd
                    except (Dropped, Closed):
                        return  # the browser reconnects and starts from a fresh state
                    if upd is None:
                        yield f"event: beat\ndata: {seq}\n\n"
                        continue
                    if upd.seq <= seq:
                        continue
                    seq, state = await asyncio.to_thread(view)
                    if self.sessions.get(sid) is None or state["staff"] != s.staff:
                        # Logged out (here or on the pad): the next clerk's window is not this page's.
                        yield _sse("ended", seq, {"message": "会话已结束", "status_name": state["status_name"]})
                        return
                    yield _sse("state", seq, state)
            finally:
                sub.close()

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # -- routes ------------------------------------------------------------------
    def router(self) -> APIRouter:
        r = APIRouter()
        Login, ConsoleAction = bodies(hall_values(self.hall))
        cookie = Cookie(default=None, alias=auth.SESSION_COOKIE)

        def need_session(_clerk: Presented = Depends(CLERK), sid: str | None = cookie) -> auth.Session:
            return self.session(sid)  # a dependency: 401 comes before any 422 of the body
        session = Depends(need_session)

        @r.get("/clerk", include_in_schema=False)
        def page():
            return FileResponse(STATIC / "clerk.html", headers={"Cache-Control": "no-cache"})

        @r.get("/clerk/static/{name}", include_in_schema=False)
        def static(name: str):
            if name not in ("clerk.js", "clerk.css", "once.js"):
                raise HTTPException(404, "no such file")
            return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

        @r.get("/clerk/api/hall", responses=answers(422),
               summary="Clerk console: the windows, and this browser's enrolment and session")
        def hall(request: Request, sid: str | None = cookie):
            # Open (the page's sign-in form reads it): whether this browser holds the clerk's
            # cookie, and why not when it held one (expired, or no longer valid).
            enrol = keyring_of(request.app).cookie_problem(request, "clerk")
            s = self.sessions.get(sid) if enrol is None else None
            if s is not None and not self.runtime.read(lambda eng: _posted(eng, s)):
                self.sessions.end(s.sid)
                s = None
            return {"hall": self.hall.name, "enrolled": enrol is None, "enrol_problem": ENROL_PROBLEM.get(enrol),
                    "windows": [{"number": w.number, "display_text": w.display_text} for w in self.hall.windows],
                    "session": None if s is None else self.answer(s, "")}

        @r.post("/clerk/api/login", responses=answers(400, 401, 403, 409, 422, 429),
                summary="Clerk console: log in at a window (staff code; API token once)")
        def login(request: Request, response: Response, body: Login, client: str = Depends(self.throttled),
                  _clerk: Presented = Depends(CLERK)):
            return self.login(request, response, body, client)

        @r.post("/clerk/api/action", responses=answers(400, 401, 403, 409, 422),
                summary="Clerk console: an action at the session's window")
        def action(request: Request, body: ConsoleAction, s: auth.Session = session, key: KeyHeader = None):
            return self.act(request, s, body, key)

        @r.post("/clerk/api/logout", responses=answers(401, 403, 409, 422),
                summary="Clerk console: log out and end the session")
        def logout(request: Request, s: auth.Session = session, key: KeyHeader = None):
            return self.logout(request, s, key)

        @r.get("/clerk/api/state", responses=answers(401, 422), summary="Clerk console: the session's window now")
        def state(s: auth.Session = session):
            return self.answer(s, "")

        @r.get("/clerk/api/events", response_class=StreamingResponse, responses=answers(401, 422, content=SSE),
               summary="Clerk console: the window's state, pushed (SSE)")
        def events(s: auth.Session = session):
            return self.stream(s)

        return r


def _sse(kind: str, seq: int, data: dict) -> str:
    return f"event: {kind}\nid: {seq}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"



def _posted(eng, s: auth.Session) -> bool:
    """Is the session's clerk still logged in at its window? (Logged out on the pad: not.)"""
    post = reads.post_of(eng, s.staff)
    return post is not None and post.window == s.window
