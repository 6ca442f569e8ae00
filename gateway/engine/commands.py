"""The engine's command set and a check of each command's shape.

A malformed command is refused with a reason before anything changes, so the
engine's handlers can trust the fields they read.
"""
from __future__ import annotations

import math
import re

from gateway.config.model import LANES

CASE_TYPES = ("immediate", "promised", "joint", "reported", "refused")  # 即办 承诺 联办 上报 退办
# 补充评价 codes: printed on the ticket and typed in by the citizen, so no 0/O or 1/I to confuse.
SUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SUP_CODE_LEN = (4, 16)
PROJECT_NO = re.compile(r"[A-Za-z0-9-]{1,40}")  # 办件编号
REASON_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
CONTENT_VERSION_MAX, CONTENT_REASONS_MAX, REASON_TEXT_MAX = 32, 12, 24
NOTE_MAX = 500
FOLLOWUP_ACTIONS = ("start", "complete", "request_invalid", "request_unfixable", "approve", "reject", "callback")
CALLBACK_RESULTS = ("reached", "unreachable", "satisfied", "unsatisfied")

_S, _I, _N, _L, _B = "text", "integer", "number", "list of texts", "true or false"
_T = f"text of at most {NOTE_MAX} characters"
_C = "list of {code, text} objects"
# type -> (needs a window, {field: (kind, required)})
SPEC: dict[str, tuple[bool, dict[str, tuple[str, bool]]]] = {
    # printing: taken at a kiosk whose slip is being printed: waiting, not callable until slip_printed
    "issue_ticket": (False, {"service": (_S, True), "lane": (_S, False), "matter": (_S, False),
                             "sup_code": (_S, False), "appointment_code": (_S, False), "printing": (_B, False)}),
    # 预约: booked at the hall (the API mints the code) or fetched from the province (gateway/engine/appointments.py)
    "book_appointment": (False, {"code": (_S, True), "service": (_S, True), "start": (_N, True), "end": (_N, True),
                                 "matter": (_S, False), "source": (_S, False), "ref": (_S, False),
                                 "name": (_S, False), "person": (_S, False)}),
    "cancel_appointment": (False, {"appointment": (_S, True)}),
    "cancel_ticket": (False, {"ticket": (_S, True)}),
    "void_ticket": (False, {"ticket": (_S, True), "reason": (_T, True)}),
    "slip_printed": (False, {"ticket": (_S, True)}),  # the kiosk's slip came out whole: callable now
    # staff_code from a pad, the console or the API; the runtime puts verified (+ staff) in its place
    "login": (True, {"staff_code": (_S, False), "verified": (_B, False), "staff": (_S, False)}),
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
    "attach_case": (True, {"project_no": (_S, True), "matter": (_S, False)}),
    "rate_supplementary": (False, {"code": (_S, True), "level": (_I, True), "reasons": (_L, False)}),
    "set_content": (False, {"version": (_S, True), "reasons": (_C, True), "source": (_S, False)}),
    "followup": (False, {"id": (_S, True), "action": (_S, True), "by": (_S, True), "note": (_T, False),
                         "result": (_S, False), "role": (_S, False), "called_at": (_N, False)}),
    # 帮办代办 up the tiers (gateway/engine/relay.py)
    "relay_case": (True, {"note": (_T, True)}),
    "relay_escalate": (False, {"relay": (_S, True), "note": (_T, True), "by": (_S, True)}),
    "relay_receive": (False, {"relay": (_S, True), "from": (_S, True), "ticket": (_S, True), "number": (_S, True),
                              "service": (_S, True), "matter": (_S, False), "project_no": (_S, False),
                              "origin_hall": (_S, False), "note": (_T, False), "sent_at": (_N, False)}),
    "relay_handle": (False, {"relay": (_S, True), "action": (_S, True), "by": (_S, True), "note": (_T, False)}),
    "relay_result": (False, {"from": (_S, True), "events": (_C, True)}),
    "tick": (False, {}),
    # a supervisor confirms the 好差评 level map the content could not check (gateway/engine/level_map.py)
    "confirm_level_map": (False, {"map": (_T, True), "platform": (_T, True), "by": (_S, True), "role": (_S, False)}),
    # a fault of the hall's equipment (the speakers), raised and ended by its shell (gateway/engine/parts.py)
    "part_fault": (False, {"part": (_S, True), "active": (_B, True), "cause": (_S, False)}),
    # a device past its budget of messages, raised and ended by the device plane (gateway/engine/floods.py)
    "device_flood": (False, {"device": (_S, True), "active": (_B, True), "dropped": (_I, False),
                             "unlogged": (_I, False), "malformed": (_I, False)}),
    # a fact of the hall's clock, logged by its shell (gateway/clock; gateway/engine/clock.py)
    "clock": (False, {"synced": (_B, True), "cause": (_S, True), "via": (_S, False), "step": (_N, False),
                      "offset": (_N, False), "boot": (_S, False), "ref": (_N, False), "by": (_S, False)}),
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
    if kind == _T:
        return isinstance(v, str) and 0 < len(v) <= NOTE_MAX
    if kind == _B:
        return isinstance(v, bool)
    if kind == _C:
        return isinstance(v, list) and all(isinstance(x, dict) for x in v)
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
    if kind == "login" and (cmd.get("staff_code") is None) == (cmd.get("verified") is None):
        return "login: 'staff_code' is required"
    if kind == "login" and (cmd.get("verified") is True) != (cmd.get("staff") is not None):
        return "login: a verified login names its staff member, a wrong code none"
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
    if kind in ("rate", "rate_supplementary") and not 1 <= cmd["level"] <= 5:
        return f"{kind}: level must be 1 (非常不满意) to 5 (非常满意)"
    name = {"issue_ticket": "sup_code", "rate_supplementary": "code"}.get(kind)
    if name and cmd.get(name) is not None and not sup_code(cmd[name]):
        return f"{kind}: '{name}' must be {SUP_CODE_LEN[0]} to {SUP_CODE_LEN[1]} characters of {SUP_ALPHABET}"
    if kind == "attach_case" and not PROJECT_NO.fullmatch(cmd["project_no"]):
        return "attach_case: 'project_no' (办件编号) must be 1 to 40 of A-Z, a-z, 0-9 and -"
    if kind == "set_content":
        if cmd.get("source") == "hall":
            return "set_content: source 'hall' is reserved for the hall file's own list"
        return _content_problem(cmd)
    if kind == "clock":
        from gateway.engine.clock import problem as clock_problem
        return clock_problem(cmd)
    if kind == "followup":
        if cmd["action"] not in FOLLOWUP_ACTIONS:
            return f"followup: action must be one of {', '.join(FOLLOWUP_ACTIONS)}"
        if cmd.get("result") is not None and cmd["result"] not in CALLBACK_RESULTS:
            return f"followup: result must be one of {', '.join(CALLBACK_RESULTS)}"
    return None


def sup_code(v) -> bool:
    return isinstance(v, str) and SUP_CODE_LEN[0] <= len(v) <= SUP_CODE_LEN[1] and all(c in SUP_ALPHABET for c in v)


def _content_problem(cmd: dict) -> str | None:
    if len(cmd["version"]) > CONTENT_VERSION_MAX or not cmd["version"].isprintable() or cmd["version"].strip() != \
            cmd["version"]:
        return f"set_content: 'version' must be 1 to {CONTENT_VERSION_MAX} printable characters"
    reasons = cmd["reasons"]
    if not 1 <= len(reasons) <= CONTENT_REASONS_MAX:
        return f"set_content: 1 to {CONTENT_REASONS_MAX} reasons (an evaluator shows at most {CONTENT_REASONS_MAX})"
    seen = set()
    for i, r in enumerate(reasons):
        code, text = r.get("code"), r.get("text")
        if set(r) != {"code", "text"} or not isinstance(code, str) or not REASON_CODE.fullmatch(code):
            return f"set_content: reasons[{i}] must be {{code, text}} with a code of 1 to 16 of A-Z a-z 0-9 _ -"
        if not isinstance(text, str) or not 0 < len(text) <= REASON_TEXT_MAX or not text.isprintable():
            return f"set_content: reasons[{i}].text must be 1 to {REASON_TEXT_MAX} printable characters"
        if code in seen:
            return f"set_content: reason code {code!r} appears twice"
        seen.add(code)
    return None
