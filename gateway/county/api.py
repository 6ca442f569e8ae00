"""The county dashboard (/county) and its API, behind the county's one dependency (gateway/roles:
the supervisor token of the county's gateway as a bearer header, or the county page's own
signed HttpOnly cookie, which the hall dashboard's does not stand in for):

    GET /county?key=K                    sets the cookie, then the page
    GET /api/v1/county                   every site at a glance (gateway/county/service.py)
    GET /api/v1/county/report?period=day|week|month|quarter&date=YYYY-MM-DD   reports across sites
    GET /api/v1/stream/county            Server-Sent Events: the picture on connect and after each
                                         change (at most one a second), a heartbeat every 2 s
"""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from gateway.api.contract import SSE, answers
from gateway.roles import COUNTY, Presented, page

STATIC = Path(__file__).resolve().parent / "static"


def mount(app, county, closing: threading.Event) -> None:
    """The routes; the county's token is in the app's keyring (gateway.roles.install)."""
    guarded = [Depends(COUNTY)]

    @app.get("/county", include_in_schema=False)
    def county_page(request: Request, who: Presented = Depends(COUNTY)):
        return page(request, who, STATIC / "county.html")

    @app.get("/api/v1/county", dependencies=guarded, responses=answers(401, 422),
             summary="Every site of the county: link, queues, calls, alerts, ratings, "
                     "差评 follow-ups, devices, upstream, chain findings (supervisor)")
    def view():
        return county.view()

    @app.get("/api/v1/county/report", dependencies=guarded, responses=answers(401, 422, 503),
             summary="Reports across the county's sites (supervisor)")
    def report(period: str = Query("day"), date: str | None = Query(None)):
        from gateway.reports.period import BadQuery
        try:
            return county.report(period, date)
        except BadQuery as e:
            raise HTTPException(422, str(e)) from None

    @app.get("/api/v1/stream/county", dependencies=guarded, response_class=StreamingResponse,
             responses=answers(401, 422, content=SSE),
             summary="The county picture, pushed (Server-Sent Events; supervisor)")
    def stream():
        return county.feed.response(closing)
