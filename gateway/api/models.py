"""Response models of the core API (the answers gateway/api/views.py builds), declared
on their routes (`responses=answers(model=…)`, gateway/api/contract.py); schemathesis holds
the answers to them. A ticket may carry more than listed (the states a day takes it through add their
fields); the others are exact."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

STATES = Literal["waiting", "called", "serving", "done"]


class Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WaitingFor(Exact):
    to: Literal["service", "window", "staff"]
    key: str | int


class Ticket(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"id": "2026-11-23-A001", "number": "A001", "service": "ZH", "lane": "normal", "day": "2026-11-23",
         "state": "waiting", "issued_at": 1795395600.0, "window": None, "staff": None, "recalls": 0,
         "transfers": [], "waiting_for": {"to": "service", "key": "ZH"}, "ahead_in_lane": 0}]})
    id: str
    number: str
    service: str
    lane: Literal["normal", "green", "appointment"]
    day: str
    state: str
    issued_at: float
    window: int | None
    staff: str | None
    recalls: int
    transfers: list[dict]
    matter: str | None = None
    project_no: str | None = None
    waiting_for: WaitingFor | None = None
    ahead_in_lane: int | None = None
    sup_code: str | None = None  # the issued ticket's 补充评价 code: to the kiosk that printed it only
    printing: bool = False  # its kiosk slip is printing: waiting in its place, not callable until it is out


class Window(Exact):
    number: int
    display_text: str
    type: str
    services: list[str]
    status: Literal["idle", "calling", "serving", "paused", "closed"]
    staff: str | None
    post: Literal["A", "B"] | None
    ticket: str | None
    ticket_number: str | None
    recalls: int
    paused_reason: str | None
    until: str | None
    since: float | None
    cases_today: int
    evaluation_prompt: str | None


class QueueService(Exact):
    code: str
    name: str
    prefix: str
    waiting: int
    normal: list[str]
    priority: list[str]
    call_order: list[str]  # the service's waiting tickets, in the order its windows will call them
    printing: list[str]  # of those, the ones whose kiosk slip is printing: not callable until it is out


class Directed(Exact):
    number: str
    service: str
    to: Literal["window", "staff"]
    key: str | int


class Queue(Exact):
    day: str | None
    waiting: dict[str, int]
    services: list[QueueService]
    transferred: list[Directed]


class Reason(Exact):
    code: str
    text: str


class Content(Exact):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"version": "P2026.1", "reasons": [{"code": "01", "text": "服务态度差"}], "source": "hall",
         "versions": ["P2026.1"]}]})
    version: str
    reasons: list[Reason]
    source: str
    versions: list[str]
