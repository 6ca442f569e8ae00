"""The supervisor's report routes (docs/REPORTS.md), behind the supervisor's one dependency
(gateway/roles: the token as a bearer header, or the dashboard's signed HttpOnly cookie):

    GET /api/v1/reports?period=day|week|month|quarter|range&date=…|from=…&to=…[&window=&service=&staff=]
    GET /api/v1/reports/export?format=csv|xlsx|pdf&…      the same report as an attachment
    GET /api/v1/reports/charts?…                          its charts as SVG (the dashboard's)
    GET /api/v1/reports/trend?weeks=12&date=…             satisfaction per week, window and staff member

A bad period, date or filter is answered 422 with the reason; 503 while the store is still
being rebuilt from the log (the gateway serves the hall meanwhile)."""
from __future__ import annotations

import time

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from gateway.api.contract import CSV_XLSX_PDF, answers
from gateway.reports.period import KINDS
from gateway.roles import SUPERVISOR

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}


def router(service, clock=time.time) -> APIRouter:
    r = APIRouter(dependencies=[Depends(SUPERVISOR)])

    def build(period, date, first, last, window, service_code, staff) -> dict:
        from gateway.reports.period import BadQuery

        store = service.store_or_503()
        try:
            return service.report(store, period, date, first, last, window, service_code, staff, clock())
        except BadQuery as e:
            raise HTTPException(422, str(e)) from None

    # The query, the same for every route (FastAPI answers 422 itself for a window that is no integer).
    def query(period: str = Query("day", description="day | week | month | quarter | range",
                                  json_schema_extra={"enum": list(KINDS)}),
              date: str | None = Query(None, description="YYYY-MM-DD, any day inside the period (default today)"),
              first: str | None = Query(None, alias="from", description="period=range: first day YYYY-MM-DD"),
              last: str | None = Query(None, alias="to", description="period=range: last day, inclusive"),
              window: int | None = Query(None, ge=1, le=9999), service_code: str | None = Query(
                  None, alias="service", max_length=16), staff: str | None = Query(None, max_length=32)) -> tuple:
        return period, date, first, last, window, service_code, staff

    @r.get("/api/v1/reports", responses=answers(401, 422, 503),
           summary="A report of a day, week, month, quarter or range (supervisor)")
    def reports(q: tuple = Depends(query)):
        return build(*q)

    @r.get("/api/v1/reports/export", response_class=Response, responses=answers(401, 422, 503, content=CSV_XLSX_PDF),
           summary="The report as CSV (UTF-8 with BOM), XLSX or a printable PDF")
    def export(format: str = Query(..., description="csv | xlsx | pdf", json_schema_extra={"enum": list(FORMATS)}),
               q: tuple = Depends(query)):
        from gateway.reports import export as ex

        if format not in FORMATS:
            raise HTTPException(422, f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        rep = build(*q)
        body = {"csv": ex.to_csv, "xlsx": ex.to_xlsx, "pdf": ex.to_pdf}[format](rep)
        name = f"{rep['hall']['id']}-{rep['period']['from']}-{rep['period']['to']}.{format}"
        return Response(body, media_type=FORMATS[format],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @r.get("/api/v1/reports/charts", responses=answers(401, 422, 503),
           summary="The report's charts as SVG (text in the SVG is text)")
    def charts(q: tuple = Depends(query), with_report: bool = Query(False, alias="report")):
        from gateway.reports import charts as ch

        rep = build(*q)
        out = {"seq": rep["seq"], "period": rep["period"], "charts": ch.svgs(rep)}
        if with_report:  # the dashboard's one request for both
            out["report"] = rep
        return out

    @r.get("/api/v1/reports/trend", responses=answers(401, 422, 503),
           summary="Satisfaction per week over the last weeks, per window and staff")
    def trend(weeks: int = Query(12, ge=1, le=53), date: str | None = Query(None),
              window: int | None = Query(None, ge=1, le=9999), staff: str | None = Query(None, max_length=32)):
        from gateway.reports import charts as ch
        from gateway.reports.period import BadQuery
        from gateway.reports.trend import trend as weekly

        store = service.store_or_503()
        try:
            out = weekly(store, service.hall, weeks, date, window, staff, clock())
        except BadQuery as e:
            raise HTTPException(422, str(e)) from None
        out["chart"] = ch.svg(ch.trend(out), "trend")
        return out

    return r
