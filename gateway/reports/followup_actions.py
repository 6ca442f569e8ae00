"""The 差评 follow-up actions of the dashboard's panel: each is the engine's `followup` command
through Runtime.submit (the audited log), by the supervisor signed in at this browser
(gateway/reports/signin.py) — never a name typed into a form. The engine holds the rules
(which state allows what, a note where one is needed, four eyes on 无效差评 / 无法整改);
its refusals, in English for the log, are told to the supervisor in Chinese (gateway/api/refusals.py).

    POST /api/v1/dashboard/followups/{fid}/actions {action, note?, result?, called_at?}
        called_at: when the citizen was called back, "YYYY-MM-DD HH:MM" in the hall's time
        200 {message} | 401 not signed in | 404 no such item | 409 refused {detail} | 422 bad input"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.contract import NOTE_BODY, answers
from gateway.api.refusals import PageRefusal
from gateway.engine import reads
from gateway.engine.commands import CALLBACK_RESULTS, FOLLOWUP_ACTIONS, NOTE_MAX, problem
from gateway.reports import followup_panel as fp

log = logging.getLogger("hallgw.dashboard")


class PanelAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal[FOLLOWUP_ACTIONS]
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    result: Literal[CALLBACK_RESULTS] | None = None
    called_at: str | None = Field(default=None, max_length=16)


def local_epoch(text: str, tz) -> float:
    """"2026-12-09 09:30" (or with a T, as ISO has it) in the hall's time zone, as epoch seconds."""
    try:
        return dt.datetime.strptime(text.strip().replace("T", " "), "%Y-%m-%d %H:%M").replace(tzinfo=tz).timestamp()
    except ValueError:
        raise HTTPException(422, "回访时间格式不对，应为 年-月-日 时:分，例如 2026-12-09 09:30") from None


def done_cn(action: str, name: str, item: dict) -> str:
    what = fp.step_text({"action": action, "from": item["status"]})
    return f"{name}：{item['number']}号差评 已{what}"


def act(runtime, clock, who, fid: str, body: PanelAction) -> dict:
    """Submit the action as `who` (the signed-in supervisor); the answer or an HTTPException."""
    hall = runtime.hall
    names = {s.id: s.name for s in hall.staff}

    def look(eng):
        f = reads.followup(eng, fid)
        return None if f is None else fp.item(eng, f, names, reads.content(eng).texts())

    before = runtime.read(look)
    if before is None:
        raise HTTPException(404, "没有这条差评整改记录")
    cmd = {"type": "followup", "at": clock(), "id": fid, "action": body.action, "by": who.staff,
           "role": "supervisor"}  # the signed-in supervisor, never a name from the form
    if body.note and body.note.strip():
        cmd["note"] = body.note.strip()
    if body.result is not None:
        cmd["result"] = body.result
    if body.called_at:
        cmd["called_at"] = local_epoch(body.called_at, ZoneInfo(hall.timezone))
    why = problem(cmd, {})
    if why:
        log.warning("dashboard: follow-up %s %s by %s malformed: %s", fid, body.action, who.staff, why)
        raise HTTPException(422, "输入有误，未执行")
    out = runtime.submit(cmd)
    if not out.ok:
        log.info("dashboard: follow-up %s %s by %s refused: %s", fid, body.action, who.staff, out.refusal)
        raise PageRefusal(409, out.refusal, hall)
    return {"message": done_cn(body.action, who.name, before), "item": runtime.read(look)}


def mount(app, runtime, clock, desk) -> None:
    from gateway.roles import SUPERVISOR, same_origin

    @app.post("/api/v1/dashboard/followups/{fid}/actions", dependencies=[Depends(SUPERVISOR)],
              responses=answers(400, 401, 403, 404, 409, 422), max_body_size=NOTE_BODY,
              summary="A 差评 follow-up action by the supervisor signed in on the dashboard")
    def followup_action(request: Request, fid: str, body: PanelAction):
        same_origin(request)
        return act(runtime, clock, desk.need(request), fid, body)
