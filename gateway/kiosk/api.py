"""The kiosk's HTTP side: the page (/kiosk), its menu, taking a ticket, and the printers' state.

The kiosk device holds its own token, never a clerk's: opened once as /kiosk?key=<kiosk token>
it gets an HttpOnly cookie (the page's script never sees the secret, and the key leaves the
address bar), or a client sends Authorization: Bearer <kiosk token>.
"""
from __future__ import annotations

import hmac
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.kiosk import estimate
from gateway.kiosk.service import Refused

STATIC = Path(__file__).parent / "static"
FILES = {"kiosk.js": "text/javascript", "kiosk.css": "text/css", "ticket.js": "text/javascript"}
COOKIE = "hall_kiosk"
YEAR = 365 * 86400
NOT_AUTHORISED = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>叫号机</title>
<body style="font:32px sans-serif;padding:2em"><h1>本机未授权</h1><p>请管理员用 /kiosk?key=叫号机口令 打开本页。</p>"""


class KioskTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # 预约签到 may leave service and matter out: the appointment names them
    service: str | None = Field(default=None, min_length=1, max_length=16)
    matter: str | None = Field(default=None, min_length=1, max_length=64)  # 事项编码
    lane: Literal["normal", "green", "appointment"] = "normal"
    category: str | None = Field(default=None, min_length=1, max_length=16)  # green channel: who
    appointment_code: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{4,16}$")  # 预约签到


def _same(given: str | None, token: str | None) -> bool:
    return bool(given and token) and hmac.compare_digest(given.encode(), token.encode())


def router(service, kiosk_token: str, supervisor_token: str | None) -> APIRouter:
    r = APIRouter()

    def bearer_of(authorization: str | None) -> str | None:
        scheme, _, given = (authorization or "").partition(" ")
        return given.strip() if scheme.lower() == "bearer" else None

    def kiosk(request: Request, authorization: str | None = Header(default=None)) -> None:
        if not (_same(bearer_of(authorization), kiosk_token) or _same(request.cookies.get(COOKIE), kiosk_token)):
            raise HTTPException(401, "the kiosk needs its own token: Authorization: Bearer <kiosk token>",
                                headers={"WWW-Authenticate": "Bearer"})

    def kiosk_or_supervisor(request: Request, authorization: str | None = Header(default=None)) -> None:
        if not _same(bearer_of(authorization), supervisor_token):
            kiosk(request, authorization)

    @r.get("/kiosk", include_in_schema=False)
    def page(request: Request, key: str | None = Query(default=None)):
        if key is not None:
            if not _same(key, kiosk_token):
                return HTMLResponse(NOT_AUTHORISED, status_code=401)
            resp = RedirectResponse("/kiosk", status_code=303)
            resp.set_cookie(COOKIE, kiosk_token, max_age=YEAR, httponly=True, samesite="strict", path="/")
            return resp
        if not _same(request.cookies.get(COOKIE), kiosk_token):
            return HTMLResponse(NOT_AUTHORISED, status_code=401)
        return FileResponse(STATIC / "kiosk.html", media_type="text/html", headers={"Cache-Control": "no-store"})

    @r.get("/kiosk/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in FILES:
            raise HTTPException(404, f"no file {name!r}")
        return FileResponse(STATIC / name, media_type=FILES[name])

    @r.get("/api/v1/kiosk/menu", dependencies=[Depends(kiosk)], summary="Departments, services, matters (kiosk)")
    def menu():
        return service.menu()

    @r.post("/api/v1/kiosk/tickets", dependencies=[Depends(kiosk)], status_code=201,
            summary="Take a ticket and print it (kiosk): printed, on screen only, or voided")
    def take(body: KioskTicket):
        try:
            status, answer = service.take(body)
        except Refused as e:
            raise HTTPException(e.status, e.reason) from None
        return JSONResponse(answer, status_code=status)

    # Behind the printed QR code: open, like a look-up by number; the 补充评价 code in the
    # address is what lets the citizen rate (POST /api/v1/ratings/supplementary).
    @r.get("/t/{tid}", include_in_schema=False)
    def ticket_page(tid: str):
        return FileResponse(STATIC / "ticket.html", media_type="text/html", headers={"Cache-Control": "no-store"})

    @r.get("/api/v1/kiosk/progress/{tid}", summary="Where a ticket of today stands, in words (open)")
    def progress(tid: str):
        p = service.runtime.read(lambda e: estimate.progress(e, tid))
        if p is None:
            raise HTTPException(404, f"no ticket {tid!r} today")
        return p

    @r.get("/api/v1/printers", dependencies=[Depends(kiosk_or_supervisor)],
           summary="Each printer's state, since when, the last error and its alert (kiosk or supervisor)")
    def printers():
        return [service.monitor.view()]

    return r
