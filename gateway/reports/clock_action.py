"""The dashboard's "set the hall clock from this browser": a supervisor's one confirmed step.

The page shows the browser's time beside the hall clock and the difference; on 确认校准 it sends
the browser's epoch milliseconds, and the clock's watch (gateway/clock/watch.py) logs a `clock`
command with the offset (the hall clock = the Pi's clock + that offset; the gateway is not root
and never sets the Pi's clock itself). Refused while NTP or a battery RTC keeps the clock.

    POST /api/v1/dashboard/clock {browser_ms}
        200 {message, step_s, clock} | 401 | 403 cross-site | 409 synchronized | 422 bad time
        503 no clock watch runs here"""
from __future__ import annotations

import logging

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.contract import JsonInt, answers
from gateway.api.refusals import PageRefusal
from gateway.clock import words
from gateway.clock.watch import EARLIEST, LATEST
from gateway.engine import reads

log = logging.getLogger("hallgw.dashboard")


class SetClock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    browser_ms: JsonInt = Field(ge=int(EARLIEST * 1000), lt=int(LATEST * 1000),
                                description="the browser's clock, epoch milliseconds (2024 to 2100)")


def mount(app, runtime, watch, desk) -> None:
    from gateway.clock.watch import Refused
    from gateway.roles import SUPERVISOR, same_origin

    hall = runtime.hall

    @app.post("/api/v1/dashboard/clock", dependencies=[Depends(SUPERVISOR)],
              responses=answers(400, 401, 403, 409, 422, 503),
              summary="A supervisor sets the hall clock from their browser's clock (while not synchronized)")
    def set_clock(request: Request, body: SetClock):
        same_origin(request)
        if watch is None:
            raise HTTPException(503, "本网关没有运行时钟监视，不能校准时钟")
        who = desk.who(request)
        try:
            cmd = watch.set_by(body.browser_ms / 1000.0, who.staff if who else None)
        except Refused as e:
            log.info("dashboard: the clock was not set: %s", e.english)
            raise PageRefusal(e.status, e.english, detail=e.chinese) from None
        state = runtime.read(reads.clock)
        names = {s.id: s.name for s in hall.staff}
        log.info("dashboard: the hall clock was set by %s: %+.1f s", who.staff if who else "a supervisor", cmd["step"])
        return {"message": f"大厅时钟已校准（{words.span(cmd['step'])}），现为 {words.when(cmd['at'], hall.timezone)}",
                "step_s": cmd["step"], "clock": words.state(state, hall.timezone, names)}
