"""Faults of the hall's own equipment that people must hear of: the hall's speakers (audio)
for now. The part's shell (the announcer) finds the fault; the alert is raised and ended by a
`part_fault` command, so it is in the audited log and on the dashboard like any other alert.

  part_fault {part, active, cause?}  -> alert {kind: part_fault, key: part_fault:<part>, part, cause}

`cause` is a short code (no_card, busy, no_player, failed) that the pages name in Chinese.
Raising an alert that is up (or ending one that is not) changes nothing.
"""
from __future__ import annotations

from gateway.engine.rules import set_alert

PARTS = ("audio",)
KIND = "part_fault"


def part_fault(eng, cmd, at, events):
    part = cmd["part"]
    if part not in PARTS:
        return f"unknown part {part!r}", None
    info = {"part": part, "cause": cmd.get("cause")} if cmd["active"] else {"part": part}
    set_alert(eng, f"{KIND}:{part}", cmd["active"], at, events, **info)
    return None, {"part": part, "active": f"{KIND}:{part}" in eng.alerts}
