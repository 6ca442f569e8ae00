"""The engine's command set and a check of each command's shape.

A malformed command is refused with a reason before anything changes, so the
engine's handlers can trust the fields they read.
"""
from __future__ import annotations

import math

from gateway.config.model import LANES

CASE_TYPES = ("immediate", "promised", "joint", "reported", "refused")  # 即办 承诺 联办 上报 退办

_S, _I, _N, _L = "text", "integer", "number", "list of texts"
# type -> (needs a window, {field: (kind, required)})
SPEC: dict[str, tuple[bool, dict[str, tuple[str, bool]]]] = {
    "issue_ticket": (False, {"service": (_S, True), "lane": (_S, False)}),
    "cancel_ticket": (False, {"ticket": (_S, True)}),
    "login": (True, {"staff_code": (_S, True)}),
    "logout": (True, {}),
    "call_next": (True, {}),
    "call_ticket": (True, {"number": (_S, True)}),
    "recall": (True, {}),
    "start": (True, {}),
    "finish": (True, {"case_type": (_S, False)}),
    "no_show": (True, {}),
    "transfer": (True, {"to_service": (_S, False), "to_window": (_I, False), "to_staff": (_S, False)}),
    "pause": (True, {"reason": (_S, True), "until": (_S, False)}),
    "resume": (True, {}),
    "request_evaluation": (True, {}),
    "rate": (True, {"prompt": (_S, True), "level": (_I, True), "reasons": (_L, False), "rated_at": (_N, False),
                    "rv": (_S, False)}),
    "cancel_evaluation": (True, {}),
    "tick": (False, {}),
}
LATEST = 4102444800  # 2100-01-01: beyond it datetime cannot place a time in the hall's day
WINDOW_COMMANDS = frozenset(t for t, (w, _) in SPEC.items() if w)


def _is(kind: str, v) -> bool:
    if kind == _S:
        return isinstance(v, str) and 0 < len(v) <= 64
    if kind == _I:
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == _N:
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    return isinstance(v, list) and len(v) <= 16 and all(isinstance(x, str) and 0 < len(x) <= 16 for x in v)


def hhmm(s: str) -> bool:
    return (len(s) == 5 and s[2] == ":" and (s[:2] + s[3:]).isdigit()
            and int(s[:2]) < 24 and int(s[3:]) < 60)


def problem(cmd, windows: dict) -> str | None:
    """Why a command is malformed, or None if its shape is right."""
    if not isinstance(cmd, dict):
        return "a command must be an object"
    kind = cmd.get("type")
    if kind not in SPEC:
        return f"unknown command type {kind!r}"
    if not _is(_N, cmd.get("at")) or not 0 <= cmd["at"] < LATEST:
        return f"{kind}: 'at' must be epoch seconds before 2100"
    needs_window, fields = SPEC[kind]
    if needs_window:
        w = cmd.get("window")
        if not _is(_I, w):
            return f"{kind}: 'window' must be a window number"
        if w not in windows:
            return f"{kind}: no window {w} in this hall"
    for name, (k, required) in fields.items():
        if name not in cmd or cmd[name] is None:
            if required:
                return f"{kind}: '{name}' is required"
            continue
        if not _is(k, cmd[name]):
            return f"{kind}: '{name}' must be a {k}"
    if kind == "rate" and cmd.get("rated_at") is not None and not 0 <= cmd["rated_at"] < LATEST:
        return "rate: 'rated_at' must be epoch seconds before 2100"
    if kind == "issue_ticket" and (cmd.get("lane") or "normal") not in LANES:
        return f"issue_ticket: lane must be one of {', '.join(LANES)}"
    if kind == "finish" and (cmd.get("case_type") or "immediate") not in CASE_TYPES:
        return f"finish: case_type must be one of {', '.join(CASE_TYPES)}"
    if kind == "transfer" and sum(cmd.get(k) is not None for k in ("to_service", "to_window", "to_staff")) != 1:
        return "transfer: give exactly one of to_service, to_window, to_staff"
    if kind == "pause" and cmd.get("until") is not None and not hhmm(cmd["until"]):
        return "pause: 'until' must be HH:MM"
    if kind == "rate" and not 1 <= cmd["level"] <= 5:
        return "rate: level must be 1 (非常不满意) to 5 (非常满意)"
    return None
