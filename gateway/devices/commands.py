"""Device event -> engine command. Call pad keys map 1:1 onto engine command
types; the window is always the one the device is configured for, never one
the message names, so a pad can only act on its own window."""
from __future__ import annotations

from protocols import events

# Event field -> engine command field, where the names differ.
RENAMED = {"staff": "staff_code", "ticket": "number", "case": "case_type", "project": "project_no"}
CARRIED = ("reason", "until", "to_service", "to_window", "to_staff")


def origin(e: dict) -> dict:
    dev, boot, seq = events.identity(e)
    return {"dev": dev, "boot": boot, "seq": seq}


def from_action(window: int, e: dict, at: float) -> dict:
    cmd = {"type": e["action"], "at": at, "window": window}
    for src, dst in RENAMED.items():
        if src in e:
            cmd[dst] = e[src]
    for k in CARRIED:
        if k in e:
            cmd[k] = e[k]
    cmd["origin"] = origin(e)
    return cmd


def from_rating(window: int, e: dict, at: float) -> dict:
    cmd = {"type": "rate", "at": at, "window": window, "prompt": e["prompt"], "level": e["level"],
           "reasons": list(e.get("reasons", [])), "rated_at": e["rated_at"], "origin": origin(e)}
    if "rv" in e:  # the reasons list version the citizen chose from
        cmd["rv"] = e["rv"]
    return cmd


def from_event(window: int, e: dict, at: float) -> dict:
    if e["type"] == "action":
        return from_action(window, e, at)
    return from_rating(window, e, at)
