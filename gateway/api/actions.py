"""The clerk actions as request bodies, one model per action, told apart by `action`
(a discriminated union in the OpenAPI document): each names exactly the fields its
action takes, required where the engine needs them, so a body for one action with
another's fields is a 422 before anything reaches the engine. The same set serves the
API (POST /api/v1/windows/{number}/actions, with the clerk token) and the clerk console
(POST /clerk/api/action, its session's window; login is the console's own route)."""
from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model, model_validator

from gateway.engine.commands import CASE_TYPES

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
PROJECT_NO = r"^[A-Za-z0-9-]{1,40}$"  # 办件编号, as the engine takes it
Text16 = Annotated[str, Field(min_length=1, max_length=16)]


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

# action -> {field: (type, default (... = required), example value)}
FIELDS: dict[str, dict[str, tuple]] = {
    "login": {"staff_code": (Annotated[str, Field(min_length=1, max_length=16, description="the clerk's login code")],
                             ..., "1001")},
    "logout": {}, "call_next": {}, "recall": {}, "start": {}, "no_show": {}, "resume": {},
    "request_evaluation": {}, "cancel_evaluation": {},
    "call_ticket": {"number": (Annotated[str, Field(min_length=1, max_length=16, description="printed number or id")],
                               ..., "A012")},
    "finish": {"case_type": (Literal[CASE_TYPES] | None, None, "immediate")},
    "transfer": {"to_service": (Text16 | None, None, "SB"),
                 "to_window": (Annotated[int, Field(ge=1, le=999)] | None, None, None),
                 "to_staff": (Annotated[str, Field(min_length=1, max_length=32)] | None, None, None)},
    "pause": {"reason": (Annotated[str, Field(min_length=1, max_length=32, description="去向留言: why")], ..., "会议"),
              "until": (HhMm | None, None, "14:30")},
    "cancel_ticket": {"ticket": (Annotated[str, Field(min_length=1, max_length=64)], ..., "A012")},
    "attach_case": {"project_no": (ProjectNo, ..., "ZJ-2026-000123"),
                    "matter": (Annotated[str, Field(min_length=1, max_length=64)] | None, None, None)},
}
API_ACTIONS = tuple(FIELDS)
CONSOLE_ACTIONS = ("call_next", "call_ticket", "recall", "start", "finish", "no_show", "transfer", "pause", "resume",
                   "request_evaluation", "cancel_evaluation", "attach_case")


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def command(self) -> dict:
        """The engine command's own fields (without type, at and window: the caller adds them)."""
        return {k: v for k, v in self.model_dump().items() if v is not None and k not in ("action", "window")}


class TransferBody(ActionBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "oneOf": [{"required": ["to_service"]}, {"required": ["to_window"]}, {"required": ["to_staff"]}]})

    @model_validator(mode="after")
    def one_target(self):
        if sum(getattr(self, k) is not None for k in ("to_service", "to_window", "to_staff")) != 1:
            raise ValueError("transfer: give exactly one of to_service, to_window, to_staff")
        return self


def _camel(name: str) -> str:
    return "".join(p.title() for p in name.split("_"))


def _model(action: str, prefix: str, window: bool):
    fields = {k: (t, d) for k, (t, d, _) in FIELDS[action].items()}
    example = {"action": action, **{k: ex for k, (_, _, ex) in FIELDS[action].items() if ex is not None}}
    if window:  # never chooses the window: one that is not the session's is a forgery (403)
        fields["window"] = (int | None, None)
    base = TransferBody if action == "transfer" else ActionBody
    m = create_model(f"{prefix}{_camel(action)}", __base__=base, action=(Literal[action], ...), **fields)
    m.model_config["json_schema_extra"] = {**(base.model_config.get("json_schema_extra") or {}),
                                           "examples": [example]}
    m.model_rebuild(force=True)
    return m


def union(actions, prefix: str, window: bool = False):
    models = tuple(_model(a, prefix, window) for a in actions)
    return Annotated[Union[models], Field(discriminator="action")]  # noqa: UP007 (a tuple of types)


ClerkAction = union(API_ACTIONS, "Action")
ConsoleAction = union(CONSOLE_ACTIONS, "Console", window=True)
