"""The dashboard's 好差评上报 panel: a supervisor confirms the level map the province's content
could not check (gateway/upstream/mapping.py: praise tags for every level). The confirmation is
the engine's `confirm_level_map` command through Runtime.submit (the audited log), by the
supervisor signed in at this browser (gateway/reports/signin.py), never a name from a form.

    POST /api/v1/dashboard/upstream/confirm-level-map
        200 {message, level_map} | 401 not signed in | 409 nothing to confirm {detail} | 503 no upstream"""
from __future__ import annotations

import logging

from fastapi import Depends, Request

from gateway.api.contract import answers
from gateway.api.refusals import PageRefusal

log = logging.getLogger("hallgw.dashboard")
# Why there is nothing to confirm, by the level map's state, in the supervisor's words.
NOTHING = {"right": "等级对应已与省平台的评价内容核对一致，无需确认",
           "confirmed": "等级对应已经确认过",
           "reversed": "省平台的评价内容表明等级对应写反了，不能确认；请维护人员改正大厅配置文件",
           "broken": "大厅配置文件的等级对应不完整，不能确认",
           "unchecked": "还没有与省平台核对等级对应，请稍后再试",
           "no_content": "本接口不提供评价内容，没有需要确认的等级对应",
           "off": "本厅未启用好差评上报",
           "not_running": "好差评上报未能启动，详见网关日志"}


def mount(app, clock, desk, extras) -> None:
    """extras: the dashboard's Extras (the upstream port's service, and a memo to forget)."""
    from gateway.roles import SUPERVISOR, same_origin
    from gateway.upstream.service import NotConfirmable

    @app.post("/api/v1/dashboard/upstream/confirm-level-map", dependencies=[Depends(SUPERVISOR)],
              responses=answers(401, 403, 409, 422, 503),
              summary="The supervisor signed in on the dashboard confirms the 好差评 level map")
    def confirm(request: Request):
        same_origin(request)
        who = desk.need(request)
        service = extras.upstream
        if service is None:
            raise PageRefusal(503, "upstream is not running", detail=NOTHING["not_running"])
        try:
            level_map = service.confirm_level_map(who.staff, clock())
        except NotConfirmable as e:
            log.info("dashboard: level map not confirmed by %s: %s", who.staff, e.state)
            raise PageRefusal(409, f"nothing to confirm: the level map is {e.state}",
                              detail=NOTHING.get(e.state, "未能确认，详见网关日志")) from None
        extras.forget()  # every dashboard shows it at its next heartbeat, not a memo later
        return {"message": f"{who.name}已确认好差评等级对应", "level_map": level_map}
