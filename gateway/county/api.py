"""The county dashboard (/county) and its API, behind the supervisor's token (a bearer
header, or the HttpOnly cookie the hall dashboard also uses):

    GET /county?key=K                    sets the cookie, then the page
    GET /api/v1/county                   every site at a glance (gateway/county/service.py)
    GET /api/v1/county/report?period=day|week|month|quarter&date=YYYY-MM-DD   reports across sites
    GET /api/v1/stream/county            Server-Sent Events: the picture on connect and after each
                                         change (at most one a second), a heartbeat every 2 s
"""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from gateway.api.contract import SSE, answers
from gateway.reports.api import supervisor_check, supervisor_page

STATIC = Path(__file__).resolve().parent / "static"
NOT_AUTHORISED = ("<!doctype html><meta charset=utf-8><title>县级监管</title>"
                  "<p style='font-size:28px'>请用监管人员的密钥打开本页：/county?key=…</p>")


def mount(app, county, token: str | None, closing: threading.Event) -> None:
    check = supervisor_check(token)

    def authorised(request: Request) -> None:
        check(request, request.headers.get("authorization"))

    @app.get("/county", include_in_schema=False)
    def page(request: Request, key: str | None = Query(default=None)):
        return supervisor_page(request, key, token, "/county", STATIC / "county.html", NOT_AUTHORISED)

    @app.get("/api/v1/county", responses=answers(401),
             summary="Every site of the county: link, queues, calls, alerts, ratings, "
                     "差评 follow-ups, devices, upstream, chain findings (supervisor)")
    def view(request: Request):
        authorised(request)
        return county.view()

    @app.get("/api/v1/county/report", responses=answers(401, 422, 503),
             summary="Reports across the county's sites (supervisor)")
    def report(request: Request, period: str = Query("day"), date: str | None = Query(None)):
        authorised(request)
        from gateway.reports.period import BadQuery
        try:
            return county.report(period, date)
        except BadQuery as e:
            raise HTTPException(422, str(e)) from None

    @app.get("/api/v1/stream/county", response_class=StreamingResponse, responses=answers(401, content=SSE),
             summary="The county picture, pushed (Server-Sent Events; supervisor)")
    def stream(request: Request):
        authorised(request)
        return county.feed.response(closing)
