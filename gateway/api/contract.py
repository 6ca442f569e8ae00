"""The HTTP contract as served: every operation's status codes, error body and, where it
is not JSON, content type, declared in one table and put on the routes once every
extension has added its own (gateway/extensions/contract.py). An operation the table
does not know makes the check fail (tests/contract/test_contract_table.py), so a new
endpoint declares what it answers.

Errors all have one body, ErrorBody: {"detail": "the reason"} from the gateway, or
FastAPI's list of {loc, msg, type} for a request of the wrong shape (422). The answers a page
shows also carry "reason": detail is then Chinese, reason the engine's English."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.api import models as m


class Issue(BaseModel):
    model_config = ConfigDict(extra="allow")  # FastAPI adds input, ctx, url
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Why the request was refused: a sentence (Chinese first where a person reads it), or,
    for a request of the wrong shape, each field that is wrong."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "no ticket 'A999' today"}]})
    detail: str | list[Issue] = Field(description="the reason, or the fields of a malformed request")
    reason: str | None = Field(default=None, description="where detail is Chinese for a page (the clerk console, "
                               "the kiosk, 补充评价): the engine's own refusal, in English, exact and stable")


WHY = {400: "The body is not JSON", 401: "No or a wrong credential for this operation",
       403: "Not this session's window, or a cross-site request", 404: "No such thing (today)",
       409: "Refused in the hall's present state (the engine's reason)",
       422: "The request's shape or a value is wrong (the reason)", 429: "Too many wrong tries: wait (Retry-After)",
       503: "Not ready or not able now (the reason)"}

SSE = {"text/event-stream": {"schema": {"type": "string"},
                             "example": "retry: 1000\n\nevent: snapshot\nid: 41\ndata: {...}\n\n"}}
CSV_XLSX_PDF = {"text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                    {"schema": {"type": "string", "format": "binary"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}
SVG = {"image/svg+xml": {"schema": {"type": "string"}}}
PROMETHEUS = {"text/plain": {"schema": {"type": "string"}, "example": "hall_commands_committed_total 42.0\n"}}

# (method, path) -> (error status codes, content of the success answer if not JSON)
TABLE: dict[tuple[str, str], tuple[tuple[int, ...], dict | None]] = {
    ("POST", "/api/v1/tickets"): ((401, 409, 422), None),
    ("GET", "/api/v1/tickets/{ref}"): ((404, 422), None),
    ("GET", "/api/v1/queue"): ((), None),
    ("GET", "/api/v1/windows"): ((), None),
    ("POST", "/api/v1/windows/{number}/actions"): ((401, 404, 409, 422), None),
    ("POST", "/api/v1/ratings/supplementary"): ((404, 409, 422), None),
    ("GET", "/api/v1/content"): ((), None),
    ("GET", "/api/v1/followups"): ((401, 422), None),
    ("GET", "/api/v1/followups/{fid}"): ((401, 404, 422), None),
    ("POST", "/api/v1/followups/{fid}/actions"): ((401, 404, 409, 422), None),
    ("GET", "/api/v1/stats/today"): ((), None),
    ("POST", "/api/v1/appointments"): ((401, 409, 422), None),
    ("GET", "/api/v1/appointments"): ((401, 422), None),
    ("POST", "/api/v1/appointments/{aid}/cancel"): ((401, 404, 409, 422), None),
    ("GET", "/api/v1/devices"): ((), None),
    ("GET", "/api/v1/kiosk/menu"): ((401,), None),
    ("POST", "/api/v1/kiosk/tickets"): ((401, 409, 422, 503), None),
    ("GET", "/api/v1/kiosk/progress/{tid}"): ((404, 422), None),
    ("GET", "/api/v1/stream/ticket/{tid}"): ((404, 422), SSE),
    ("GET", "/api/v1/printers"): ((401,), None),
    ("GET", "/clerk/api/hall"): ((), None),
    ("POST", "/clerk/api/login"): ((401, 403, 409, 422, 429), None),
    ("POST", "/clerk/api/action"): ((401, 403, 409, 422), None),
    ("POST", "/clerk/api/logout"): ((401, 403), None),
    ("GET", "/clerk/api/state"): ((401,), None),
    ("GET", "/clerk/api/events"): ((401,), SSE),
    ("GET", "/api/v1/screen"): ((401,), None),
    ("GET", "/api/v1/stream/screen"): ((401, 422), SSE),
    ("GET", "/api/v1/dashboard"): ((401, 503), None),
    ("GET", "/api/v1/stream/dashboard"): ((401, 422), SSE),
    ("GET", "/api/v1/dashboard/me"): ((401,), None),
    ("POST", "/api/v1/dashboard/signin"): ((401, 403, 422, 429), None),
    ("POST", "/api/v1/dashboard/signout"): ((401, 403), None),
    ("POST", "/api/v1/dashboard/followups/{fid}/actions"): ((401, 403, 404, 409, 422), None),
    ("POST", "/api/v1/dashboard/upstream/confirm-level-map"): ((401, 403, 409, 503), None),
    ("GET", "/api/v1/reports"): ((401, 422, 503), None),
    ("GET", "/api/v1/reports/export"): ((401, 422, 503), CSV_XLSX_PDF),
    ("GET", "/api/v1/reports/charts"): ((401, 422, 503), SVG),
    ("GET", "/api/v1/reports/trend"): ((401, 422, 503), None),
    ("GET", "/api/v1/upstream"): ((401,), None),
    ("GET", "/api/v1/upstream/dead-letter"): ((401,), None),
    ("POST", "/api/v1/upstream/retry"): ((401, 404, 422), None),
    ("GET", "/healthz"): ((503,), None),
    ("GET", "/metrics"): ((), PROMETHEUS),
    ("GET", "/api/v1/county"): ((401,), None),
    ("GET", "/api/v1/county/report"): ((401, 422, 503), None),
    ("GET", "/api/v1/stream/county"): ((401, 422), SSE),
    ("GET", "/api/v1/mirror"): ((401,), None),
    ("POST", "/api/v1/relays/enrol"): ((401, 422), None),
    ("GET", "/api/v1/relays"): ((401,), None),
    ("GET", "/api/v1/stream/relays"): ((401, 422), SSE),
    ("POST", "/api/v1/relays"): ((401, 404, 409, 422), None),
    ("POST", "/api/v1/relays/{relay}/actions"): ((401, 404, 409, 422), None),
}


def _routes(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI keeps an included router whole
        if inner is not None:
            route._effective_candidates_version = None  # its routes' answers are read again
            yield from _routes(inner.routes)
        else:
            yield route


# (method, path) -> the model of the success answer (a list of it: [Model])
MODELS: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/tickets"): m.Ticket,
    ("GET", "/api/v1/tickets/{ref}"): m.Ticket,
    ("GET", "/api/v1/windows"): [m.Window],
    ("GET", "/api/v1/queue"): m.Queue,
    ("GET", "/api/v1/content"): m.Content,
}


def operations(app) -> list[tuple[str, str, Any]]:
    """(method, path, route) of every operation in the OpenAPI document."""
    out = []
    for route in _routes(app.routes):
        if getattr(route, "include_in_schema", False) and hasattr(route, "methods"):
            out.extend((m, route.path, route) for m in sorted(route.methods) if m != "HEAD")
    return out


def apply(app) -> list[tuple[str, str]]:
    """Declare each operation's answers from TABLE; the operations TABLE does not know."""
    unknown = []
    for method, path, route in operations(app):
        entry = TABLE.get((method, path))
        if entry is None:
            unknown.append((method, path))
            continue
        codes, content = entry
        responses = dict(route.responses or {})
        if getattr(route, "body_field", None) is not None:
            codes = (400, *codes)  # a body that is not JSON at all (Starlette's parse error)
        for code in codes:
            responses[code] = {"description": WHY[code], "content": {"application/json": {"schema": ERROR_REF}}}
        model = MODELS.get((method, path))
        if model is not None:
            ref = {"$ref": f"#/components/schemas/{(model[0] if isinstance(model, list) else model).__name__}"}
            schema = {"type": "array", "items": ref} if isinstance(model, list) else ref
            ok = int(route.status_code or 200)
            responses[ok] = {"description": "Successful Response",
                             "content": {"application/json": {"schema": schema}}}
        if content is not None:
            ok = str(route.status_code or 200)
            responses[int(ok)] = {**responses.get(int(ok), {}), "content": content, "description": "Successful Response"}
        route.responses = responses
    app.openapi_schema = None  # made again, with the above, at the next request for it
    if not getattr(app, "_contract_components", False):
        made = app.openapi

        def openapi():
            if app.openapi_schema is None:
                made()
                schemas = app.openapi_schema.setdefault("components", {}).setdefault("schemas", {})
                schemas.update(COMPONENTS)
            return app.openapi_schema
        app.openapi = openapi
        app._contract_components = True
    return unknown


def _components() -> dict:
    out: dict = {}
    for model in (ErrorBody, *(x[0] if isinstance(x, list) else x for x in MODELS.values())):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


COMPONENTS = _components()
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
