"""The clerk console's request bodies: strict (extra="forbid"), each action with its own
fields only, so a malformed request is a 422 before anything reaches the engine."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.engine.commands import CASE_TYPES

ACTIONS = ("call_next", "call_ticket", "recall", "start", "finish", "no_show", "transfer", "pause", "resume",
           "request_evaluation", "cancel_evaluation", "attach_case")
FIELDS = {"call_ticket": {"number"}, "finish": {"case_type"}, "transfer": {"to_service", "to_window", "to_staff"},
          "pause": {"reason", "until"}, "attach_case": {"project_no", "matter"}}
OPTIONAL = ("number", "case_type", "to_service", "to_window", "to_staff", "reason", "until", "project_no", "matter")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window: int
    staff_code: str = Field(min_length=1, max_length=16)


class ConsoleAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal[ACTIONS]
    window: int | None = None  # never chooses the window: one that is not the session's is a forgery (403)
    number: str | None = Field(default=None, min_length=1, max_length=16)
    case_type: Literal[CASE_TYPES] | None = None
    to_service: str | None = Field(default=None, min_length=1, max_length=16)
    to_window: int | None = None
    to_staff: str | None = Field(default=None, min_length=1, max_length=32)
    reason: str | None = Field(default=None, min_length=1, max_length=32)
    until: str | None = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    project_no: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,40}$")  # 办件编号, as the engine takes it
    matter: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def fields_fit_the_action(self):
        wrong = {k for k in OPTIONAL if getattr(self, k) is not None} - FIELDS.get(self.action, set())
        if wrong:
            raise ValueError(f"{self.action} takes no {', '.join(sorted(wrong))}")
        return self

    def command(self) -> dict:
        """The engine command's own fields (without type, at and window: the console adds them)."""
        return {k: v for k, v in self.model_dump().items() if v is not None and k not in ("action", "window")}
