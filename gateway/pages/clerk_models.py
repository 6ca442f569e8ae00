"""The clerk console's request bodies, made for the hall: strict (extra="forbid"), a window of
this hall, each action with its own fields only (gateway/api/actions.py: one model per action,
told apart by `action`), so a malformed request is a 422 before anything reaches the engine."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gateway.api.actions import console_actions
from gateway.api.hall_values import HallValues


def bodies(v: HallValues) -> tuple[type[BaseModel], object]:
    """(Login, ConsoleAction) for the hall of values v."""
    class Login(BaseModel):
        model_config = ConfigDict(extra="forbid")
        window: v.window
        staff_code: str = Field(min_length=1, max_length=16)
    return Login, console_actions(v)
