"""HTTP for the tiers.

  GET  /api/v1/mirror                      supervisor: the link to the parent, the children's
                                           sites (head, last heard, duplicates) and the findings
  GET  /api/v1/relays                      clerk: 帮办代办 cases sent up and received here
  POST /api/v1/relays {window, note}       clerk: send up the ticket of this window
  POST /api/v1/relays/{relay}/actions {action: accept | done | returned | escalate, by, note?}
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from gateway.api.auth import bearer
from gateway.engine import relay as rl


class SendUp(BaseModel):
    window: int
    note: str = Field(min_length=1, max_length=500)


class Action(BaseModel):
    action: str
    by: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


def router(runtime, clock, clerk_token: str, supervisor_token: str, describe) -> APIRouter:
    r = APIRouter()

    @r.get("/api/v1/mirror", dependencies=[Depends(bearer(supervisor_token, "the supervisor"))],
           summary="The tiers: link to the parent, children's sites, chain findings")
    def mirror():
        return describe()

    @r.get("/api/v1/relays", dependencies=[Depends(bearer(clerk_token))],
           summary="帮办代办: cases sent up to the parent hall and received from below")
    def relays():
        return runtime.read(lambda eng: {"sent": rl.listing(eng, "out"), "received": rl.listing(eng, "in"),
                                         "parent": eng.hall.parent.id if eng.hall.parent else None})

    @r.post("/api/v1/relays", status_code=201, dependencies=[Depends(bearer(clerk_token))],
            summary="Send up the ticket held (or last served) at a window")
    def send_up(req: SendUp):
        return _submit(runtime, {"type": "relay_case", "at": clock(), "window": req.window, "note": req.note})

    @r.post("/api/v1/relays/{relay}/actions", dependencies=[Depends(bearer(clerk_token))],
            summary="Accept, finish (done), return or hand on (escalate) a case received here")
    def act(relay: str, req: Action):
        if req.action == "escalate":
            cmd = {"type": "relay_escalate", "at": clock(), "relay": relay, "by": req.by,
                   "note": req.note or "转上级办理"}
        elif req.action in rl.ACTIONS:
            cmd = {"type": "relay_handle", "at": clock(), "relay": relay, "action": req.action, "by": req.by}
            if req.note:
                cmd["note"] = req.note
        else:
            raise HTTPException(422, f"action must be one of {', '.join(rl.ACTIONS + ('escalate',))}")
        return _submit(runtime, cmd)

    return r


def _submit(runtime, cmd: dict) -> dict:
    out = runtime.submit(cmd)
    if not out.ok:
        code = 404 if "no case" in (out.refusal or "") else 409
        raise HTTPException(code, out.refusal)
    return out.result
