"""The clerk console's request bodies: strict (extra="forbid"), each action with its own
fields only (ConsoleAction, from gateway/api/actions.py: one model per action, told apart
by `action`), so a malformed request is a 422 before anything reaches the engine."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gateway.api.actions import ConsoleAction  # noqa: F401 (the console's action bodies)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window: int
    staff_code: str = Field(min_length=1, max_length=16)
