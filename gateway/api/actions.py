"""The clerk actions as request bodies, one model per action, told apart by `action`
(a discriminated union in the OpenAPI document): each names exactly the fields its
action takes, required where the engine needs them, so a body for one action with
another's fields is a 422 before anything reaches the engine. The same set serves the
API (POST /api/v1/windows/{number}/actions, with the clerk token) and the clerk console
(POST /clerk/api/action, its session's window; login is the console's own route).

Made per hall (gateway/api/hall_values.py): a transfer's service, window and staff member, a
pause's reason and a case's matter are the hall's own, enums in the document."""
from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Field, create_model

from gateway.api.hall_values import ExactlyOne, HallValues, Ruled
from gateway.engine.commands import CASE_TYPES

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
PROJECT_NO = r"^[A-Za-z0-9-]{1,40}$"  # 办件编号, as the engine takes it


def _matching(pattern: str, what: str):
    """A text of the pattern (in the schema too), refused with what it should be."""
    rx = re.compile(pattern)

    def check(v: str) -> str:
        if not rx.match(v):
            raise ValueError(f"must be {what}")
        return v
    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"pattern": pattern}, description=what)]


HhMm = _matching(HHMM, "HH:MM")
ProjectNo = _matching(PROJECT_NO, "1 to 40 of A-Z, a-z, 0-9 and - (办件编号)")


def fields(v: HallValues) -> dict[str, dict[str, tuple]]:
    """action -> {field: (type, default (... = required), example value)}, for hall values v."""
    code = Annotated[str, Field(min_length=1, max_length=16, description="the clerk's login code")]
    number = Annotated[str, Field(min_length=1, max_length=16, description="printed number or id")]
    reason = Annotated[v.pause_reason, Field(description="去向留言: why (one of the hall's pause reasons)")]
    return {
        "login": {"staff_code": (code, ..., "1001")},
        "logout": {}, "call_next": {}, "recall": {}, "start": {}, "no_show": {}, "resume": {},
        "request_evaluation": {}, "cancel_evaluation": {},
        "call_ticket": {"number": (number, ..., "A012")},
        "finish": {"case_type": (Literal[CASE_TYPES] | None, None, "immediate")},
        "transfer": {"to_service": (v.service | None, None, v.first["service"]),
                     "to_window": (v.window | None, None, None), "to_staff": (v.staff | None, None, None)},
        "pause": {"reason": (reason, ..., v.first["pause_reason"]), "until": (HhMm | None, None, "14:30")},
        "cancel_ticket": {"ticket": (Annotated[str, Field(min_length=1, max_length=64)], ..., "A012")},
        "attach_case": {"project_no": (ProjectNo, ..., "ZJ-2026-000123"), "matter": (v.matter | None, None, None)},
    }


API_ACTIONS = ("login", "logout", "call_next", "recall", "start", "no_show", "resume", "request_evaluation",
               "cancel_evaluation", "call_ticket", "finish", "transfer", "pause", "cancel_ticket", "attach_case")
CONSOLE_ACTIONS = ("call_next", "call_ticket", "recall", "start", "finish", "no_show", "transfer", "pause", "resume",
                   "request_evaluation", "cancel_evaluation", "attach_case")


class ActionBody(Ruled):
    def command(self) -> dict:
        """The engine command's own fields (without type, at and window: the caller adds them)."""
        return {k: v for k, v in self.model_dump().items() if v is not None and k not in ("action", "window")}


class TransferBody(ActionBody):
    rules = (ExactlyOne(("to_service", "to_window", "to_staff"),
                        "transfer: give exactly one of to_service, to_window, to_staff"),)


def _camel(name: str) -> str:
    return "".join(p.title() for p in name.split("_"))


def _model(action: str, spec: dict[str, tuple], prefix: str, window):
    own = {k: (t, d) for k, (t, d, _) in spec.items()}
    if window is not None:  # never chooses the window: one that is not the session's is a forgery (403)
        own["window"] = (window | None, None)
    base = TransferBody if action == "transfer" else ActionBody
    m = create_model(f"{prefix}{_camel(action)}", __base__=base, action=(Literal[action], ...), **own)
    m.example = {"action": action, **{k: ex for k, (_, _, ex) in spec.items() if ex is not None}}
    return m


def union(v: HallValues, actions, prefix: str, window: bool = False):
    spec = fields(v)
    models = tuple(_model(a, spec[a], prefix, v.window if window else None) for a in actions)
    return Annotated[Union[models], Field(discriminator="action")]  # noqa: UP007 (a tuple of types)


def clerk_actions(v: HallValues):
    """The API's clerk actions at a window of this hall (its number is in the path)."""
    return union(v, API_ACTIONS, "Action")


def console_actions(v: HallValues):
    """The clerk console's actions (at its session's window: a body naming another is refused)."""
    return union(v, CONSOLE_ACTIONS, "Console", window=True)
