"""FastAPI app: POST tickets (open to the kiosk), clerk actions (token), read views.

Every change goes through runtime.submit, so it is committed before the answer.
Input is checked twice: pydantic for the body's shape, then the engine's own
command check, so bad input gets a 4xx with a reason and changes nothing.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.api import views
from gateway.api.auth import bearer
from gateway.engine.commands import problem

# No "rate": a rating comes only from the window's evaluator, never from the clerk
# whose service it judges (评价不得干预).
CLERK_ACTIONS = ("login", "logout", "call_next", "call_ticket", "recall", "start", "finish", "no_show",
                 "transfer", "pause", "resume", "request_evaluation", "cancel_evaluation", "cancel_ticket")


class TicketRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: str = Field(min_length=1, max_length=16)
    lane: Literal["normal", "green", "appointment"] = "normal"


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal[CLERK_ACTIONS]
    staff_code: str | None = None
    number: str | None = None
    case_type: Literal["immediate", "promised", "joint", "reported", "refused"] | None = None
    to_service: str | None = None
    to_window: int | None = None
    to_staff: str | None = None
    reason: str | None = None
    until: str | None = None
    ticket: str | None = None


def create_app(runtime, token: str, clock: Callable[[], float] = time.time) -> FastAPI:
    hall = runtime.hall
    app = FastAPI(title=f"{hall.name} gateway API", version="1",
                  description="Tickets, windows, queue and statistics of the hall")
    clerk = [Depends(bearer(token))]
    services = {s.code for s in hall.services}
    window_numbers = {w.number: w for w in hall.windows}

    def submit(cmd: dict, created: bool = False):
        why = problem(cmd, window_numbers)
        if why:
            raise HTTPException(422, why)
        out = runtime.submit(cmd)
        if not out.ok:
            raise HTTPException(409, out.refusal)
        return JSONResponse(out.result or {}, status_code=201 if created else 200)

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/docs")

    @app.post("/api/v1/tickets", status_code=201, summary="Take a ticket (kiosk)")
    def issue(req: TicketRequest):
        if req.service not in services:
            raise HTTPException(422, f"unknown service {req.service!r}; this hall has {', '.join(sorted(services))}")
        return submit({"type": "issue_ticket", "at": clock(), "service": req.service, "lane": req.lane}, True)

    @app.get("/api/v1/tickets/{ref}", summary="A ticket of today by id or printed number")
    def ticket(ref: str):
        t = runtime.read(lambda e: views.ticket(e, ref))
        if t is None:
            raise HTTPException(404, f"no ticket {ref!r} today")
        return t

    @app.get("/api/v1/queue", summary="Waiting tickets per service, in call order")
    def queue():
        return runtime.read(views.queue)

    @app.get("/api/v1/windows", summary="Every window's state")
    def windows():
        return runtime.read(views.windows)

    @app.post("/api/v1/windows/{number}/actions", dependencies=clerk, summary="A clerk action at a window")
    def act(number: int, body: Action):
        if number not in window_numbers:
            raise HTTPException(404, f"no window {number} in this hall")
        cmd = {k: v for k, v in body.model_dump().items() if v is not None and k != "action"}
        cmd.update(type=body.action, at=clock(), window=number)
        return submit(cmd)

    @app.get("/api/v1/stats/today", summary="Today's statistics, alerts and open 差评 follow-ups")
    def stats_today():
        now = clock()
        return runtime.read(lambda e: views.stats_today(e, now))

    return app
