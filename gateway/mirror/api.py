"""HTTP for the tiers.

  GET  /api/v1/mirror                      supervisor: the link to the parent, the children's
                                           sites (head, last heard, duplicates) and the findings
  GET  /relays                             the clerks' 帮办代办 page (pushed)
  POST /api/v1/relays/enrol                clerk token as a bearer header, once per browser: the
                                           clerk's signed HttpOnly cookie (the token never in a URL)
  GET  /api/v1/relays                      clerk: cases sent up and received here, staff, windows
  GET  /api/v1/stream/relays               clerk: the same, pushed (Server-Sent Events)
  POST /api/v1/relays {window, note}       clerk: send up the ticket of this window
  POST /api/v1/relays/{relay}/actions {action: accept | done | returned | escalate, by, note?}
Clerk routes take the clerk's one dependency, the supervisor's route the supervisor's
(gateway/roles); their tokens are in the app's keyring.

The bodies are made for the hall: a window of it, a member of its staff.
"""
# No `from __future__ import annotations`: FastAPI reads the routes' types (the hall's own models)
# from the annotations themselves.
import threading
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.contract import NOTE_BODY, SSE, answers
from gateway.api.hall_values import HallValues
from gateway.api.hall_values import of as hall_values
from gateway.engine import reads
from gateway.engine import relay as rl
from gateway.mirror.feed import Feed
from gateway.roles import CLERK, SUPERVISOR, keyring_of

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


def router(runtime, clock, describe, closing: threading.Event | None = None) -> APIRouter:
    r = APIRouter()
    closing = closing or threading.Event()
    SendUp, Action = bodies(hall_values(runtime.hall))
    clerk = [Depends(CLERK)]

    def listing() -> dict:
        return runtime.read(lambda eng: {
            "hall": {"id": eng.hall.id, "name": eng.hall.name},
            "parent": eng.hall.parent.id if eng.hall.parent else None,
            "sent": reads.relays(eng, "out"), "received": reads.relays(eng, "in"),
            "staff": [{"id": s.id, "name": s.name} for s in eng.hall.staff],
            "windows": sorted(w.number for w in eng.hall.windows)})

    feed = Feed(listing)
    runtime.subscribe(lambda events: feed.bump() if any(e["type"] in RELAY_EVENTS for e in events) else None)

    @r.get("/api/v1/mirror", dependencies=[Depends(SUPERVISOR)], responses=answers(401, 422),
           summary="The tiers: link to the parent, children's sites, chain findings")
    def mirror():
        return describe()

    @r.get("/relays", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "relays.html", media_type="text/html", headers={"Cache-Control": "no-cache"})

    @r.post("/api/v1/relays/enrol", dependencies=clerk, responses=answers(401, 422),
            summary="The clerk token once, for an HttpOnly cookie (the 帮办代办 page)")
    def enrol(request: Request, response: Response):
        keyring_of(request.app).sign_in(response, "clerk")  # anew: another 30 days from now
        return {"ok": True}

    @r.get("/api/v1/relays", dependencies=clerk, responses=answers(401, 422),
           summary="帮办代办: cases sent up to the parent hall and received from below")
    def relays():
        return listing()

    @r.get("/api/v1/stream/relays", dependencies=clerk, response_class=StreamingResponse,
           responses=answers(401, 422, content=SSE), summary="The 帮办代办 cases, pushed (Server-Sent Events)")
    def stream():
        return feed.response(closing)

    @r.post("/api/v1/relays", status_code=201, dependencies=clerk, responses=answers(400, 401, 404, 409, 422, ok=201),
            max_body_size=NOTE_BODY,
            summary="Send up the ticket held (or last served) at a window")
    def send_up(req: SendUp):
        return _submit(runtime, {"type": "relay_case", "at": clock(), "window": req.window, "note": req.note})

    @r.post("/api/v1/relays/{relay}/actions", dependencies=clerk, responses=answers(400, 401, 404, 409, 422),
            max_body_size=NOTE_BODY,
            summary="Accept, finish (done), return or hand on (escalate) a case received here")
    def act(relay: str, req: Action):
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
