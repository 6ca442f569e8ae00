"""HTTP for the tiers.

  GET  /api/v1/mirror                      supervisor: the link to the parent, the children's
                                           sites (head, last heard, duplicates) and the findings
  GET  /relays                             the clerks' 帮办代办 page (pushed)
  POST /api/v1/relays/enrol                clerk token as a bearer header, once per browser: an
                                           HttpOnly cookie for the page (the token never in a URL)
  GET  /api/v1/relays                      clerk: cases sent up and received here, staff, windows
  GET  /api/v1/stream/relays               clerk: the same, pushed (Server-Sent Events)
  POST /api/v1/relays {window, note}       clerk: send up the ticket of this window
  POST /api/v1/relays/{relay}/actions {action: accept | done | returned | escalate, by, note?}

The bodies are made for the hall: a window of it, a member of its staff.
"""
# No `from __future__ import annotations`: FastAPI reads the routes' types (the hall's own models)
# from the annotations themselves.
import threading
import time
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.auth import bearer
from gateway.api.contract import SSE, answers
from gateway.api.hall_values import HallValues
from gateway.api.hall_values import of as hall_values
from gateway.engine import reads
from gateway.engine import relay as rl
from gateway.mirror.feed import Feed
from gateway.pages import clerk_auth

COOKIE = "hall_relays"
STATIC = Path(__file__).resolve().parent / "static"
RELAY_EVENTS = ("case_relayed", "relay_received", "relay_changed", "relay_resolved", "relay_answered")


def bodies(v: HallValues) -> tuple[type[BaseModel], type[BaseModel]]:
    """(SendUp, Action) for this hall: its windows, its staff."""
    class SendUp(BaseModel):
        model_config = ConfigDict(extra="forbid")
        window: v.window
        note: str = Field(min_length=1, max_length=500)

    class Action(BaseModel):
        model_config = ConfigDict(extra="forbid")
        action: Literal[(*rl.ACTIONS, "escalate")]
        by: v.staff
        note: str | None = Field(default=None, max_length=500)
    return SendUp, Action


def router(runtime, clock, clerk_token: str, supervisor_token: str, describe,
           closing: threading.Event | None = None) -> APIRouter:
    r = APIRouter()
    closing = closing or threading.Event()
    SendUp, Action = bodies(hall_values(runtime.hall))

    def clerk(request: Request) -> None:
        """The clerk token as a bearer header, or the page's enrolment cookie."""
        if clerk_auth.bearer_ok(clerk_token, request.headers.get("authorization")):
            return
        if clerk_auth.enrolled(clerk_token, request.cookies.get(COOKIE), time.time()):
            return
        raise HTTPException(401, "帮办代办 needs the clerk token: Authorization: Bearer <token> (HALL_API_TOKEN or "
                                 "data/api_token), or the page's cookie (POST /api/v1/relays/enrol once)")

    def listing() -> dict:
        return runtime.read(lambda eng: {
            "hall": {"id": eng.hall.id, "name": eng.hall.name},
            "parent": eng.hall.parent.id if eng.hall.parent else None,
            "sent": reads.relays(eng, "out"), "received": reads.relays(eng, "in"),
            "staff": [{"id": s.id, "name": s.name} for s in eng.hall.staff],
            "windows": sorted(w.number for w in eng.hall.windows)})

    feed = Feed(listing)
    runtime.subscribe(lambda events: feed.bump() if any(e["type"] in RELAY_EVENTS for e in events) else None)

    @r.get("/api/v1/mirror", dependencies=[Depends(bearer(supervisor_token, "the supervisor"))],
           responses=answers(401, 422),
           summary="The tiers: link to the parent, children's sites, chain findings")
    def mirror():
        return describe()

    @r.get("/relays", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "relays.html", media_type="text/html", headers={"Cache-Control": "no-cache"})

    @r.post("/api/v1/relays/enrol", responses=answers(401),
            summary="The clerk token once, for an HttpOnly cookie (the 帮办代办 page)")
    def enrol(request: Request, response: Response):
        if not clerk_auth.bearer_ok(clerk_token, request.headers.get("authorization")):
            raise HTTPException(401, "wrong clerk token")
        response.set_cookie(COOKIE, clerk_auth.enrolment(clerk_token, int(time.time())),
                            max_age=clerk_auth.ENROL_SECONDS, httponly=True, samesite="strict", path="/")
        return {"ok": True}

    @r.get("/api/v1/relays", responses=answers(401),
           summary="帮办代办: cases sent up to the parent hall and received from below")
    def relays(request: Request):
        clerk(request)
        return listing()

    @r.get("/api/v1/stream/relays", response_class=StreamingResponse, responses=answers(401, content=SSE),
           summary="The 帮办代办 cases, pushed (Server-Sent Events)")
    def stream(request: Request):
        clerk(request)
        return feed.response(closing)

    @r.post("/api/v1/relays", status_code=201, responses=answers(400, 401, 404, 409, 422, ok=201),
            summary="Send up the ticket held (or last served) at a window")
    def send_up(request: Request, req: SendUp):
        clerk(request)
        return _submit(runtime, {"type": "relay_case", "at": clock(), "window": req.window, "note": req.note})

    @r.post("/api/v1/relays/{relay}/actions", responses=answers(400, 401, 404, 409, 422),
            summary="Accept, finish (done), return or hand on (escalate) a case received here")
    def act(request: Request, relay: str, req: Action):
        clerk(request)
        if req.action == "escalate":
            cmd = {"type": "relay_escalate", "at": clock(), "relay": relay, "by": req.by,
                   "note": req.note or "转上级办理"}
        else:
            cmd = {"type": "relay_handle", "at": clock(), "relay": relay, "action": req.action, "by": req.by}
            if req.note:
                cmd["note"] = req.note
        return _submit(runtime, cmd)

    return r


def _submit(runtime, cmd: dict) -> dict:
    out = runtime.submit(cmd)
    if not out.ok:
        code = 404 if "no case" in (out.refusal or "") else 409
        raise HTTPException(code, out.refusal)
    return out.result
