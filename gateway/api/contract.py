"""The HTTP contract's shared parts: the one error body, why each status code is answered, the
success answers that are not JSON, and a body's whole number as the schema means it (JsonInt). Each route declares its own answers where it is defined,

    @app.post("/api/v1/tickets", status_code=201, responses=answers(400, 401, 409, 422, ok=201, model=m.Ticket))

so the served OpenAPI document is the same with or without the gateway's extensions: a route an
extension adds is there only with it, and means the same either way (tests/contract checks both,
and that every operation declares what it may answer).

Errors all have one body, ErrorBody: {"detail": "the reason"} from the gateway, or a list of
{loc, msg, type} for a request of the wrong shape (422: the fields and what is wrong with them,
never the values sent). The answers a page
shows also carry "reason": detail is then Chinese, reason the engine's English."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _number(v):
    if isinstance(v, str | bool):
        raise ValueError("must be a number, not text or true/false")
    return v


# A whole number as JSON writes it (3, or 3.0): never the text "3" or true, which pydantic's lax
# int would take, though the schema refuses them.
JsonInt = Annotated[int, BeforeValidator(_number)]


class Issue(BaseModel):
    """Where (loc) and what is wrong (msg, type): never the value sent (gateway/api/refusals.py)."""
    model_config = ConfigDict(extra="forbid")
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


# How large a body a route takes (gateway/api/gate.py refuses more, before reading it): every
# command is a few hundred bytes; a free-text note is 500 characters, each up to 12 bytes as JSON
# escapes. A route that needs more says so with max_body_size= on its decorator.
COMMAND_BODY = 4 * 1024
NOTE_BODY = 16 * 1024

WHY = {400: "The body is not JSON", 401: "No or a wrong credential for this operation",
       403: "Not this session's window, or a cross-site request", 404: "No such thing (today)",
       409: "Refused in the hall's present state (the engine's reason)",
       413: "The body is larger than this operation takes (the limit, in the reason)",
       422: "The request's shape or a value is wrong (the reason)", 429: "Too many wrong tries: wait (Retry-After)",
       503: "Not ready or not able now (the reason; a full disk: nothing was applied)"}
OK = "Successful Response"

# The success answers that are not JSON (the route also says response_class=Response or
# StreamingResponse, so FastAPI puts no application/json beside them).
SSE = {"text/event-stream": {"schema": {"type": "string"},
                             "example": "retry: 1000\n\nevent: snapshot\nid: 41\ndata: {...}\n\n"}}
CSV_XLSX_PDF = {"text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                    {"schema": {"type": "string", "format": "binary"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}
PROMETHEUS = {"text/plain": {"schema": {"type": "string"}, "example": "hall_commands_committed_total 42.0\n"}}


def answers(*codes: int, ok: int = 200, model: Any = None, content: dict | None = None) -> dict:
    """A route's `responses=`: each error code with ErrorBody and why it is answered; the success
    answer's model (a pydantic model, or list[Model]) or, when it is not JSON, its content.
    A route with a body lists 400 (not JSON) and 422; one with parameters lists 422. A body is a
    command: 413 (larger than the route takes, gateway/api/gate.py) and 503 (the disk is full,
    gateway/disk.py) come with 400."""
    if 400 in codes:
        codes = tuple(dict.fromkeys((*codes, 413, 503)))
    out: dict[int, dict] = {code: {"model": ErrorBody, "description": WHY[code]} for code in codes}
    if model is not None:
        out[ok] = {"model": model, "description": OK}
    if content is not None:
        out[ok] = {"content": content, "description": OK}
    return out
