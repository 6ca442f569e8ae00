"""Does a saved engine state still fit the hall file it is restored under?

A maintainer may edit the hall file between two runs. Adding windows, services
or staff is always fine; removing one that today's open state still uses
(a waiting ticket of a removed service, a clerk logged in at a removed window)
would strand citizens or crash the engine later, so the gateway refuses to
start and says what is in the way, as it does for an invalid file.
"""
from __future__ import annotations

from gateway.config.model import Hall


class StoreMismatch(ValueError):
    """The store holds open state that the hall file no longer describes."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def mismatches(hall: Hall, snap: dict) -> list[str]:
    services = {s.code for s in hall.services}
    windows = {w.number for w in hall.windows}
    staff = {s.id for s in hall.staff}
    out = []
    for t in snap["tickets"]:
        if t["state"] == "done":
            continue
        what = f"open ticket {t['number']} ({t['state']})"
        if t["service"] not in services:
            out.append(f"{what} is for service {t['service']!r}, which the hall file no longer has")
        q = t["queue"]
        if t["state"] == "waiting" and q["to"] == "window" and q["key"] not in windows:
            out.append(f"{what} was transferred to window {q['key']}, which the hall file no longer has")
        if t["state"] == "waiting" and q["to"] == "staff" and q["key"] not in staff:
            out.append(f"{what} was transferred to staff {q['key']!r}, who is no longer in the hall file")
    for w in snap["windows"]:
        if w["number"] not in windows and (w["staff"] or w["ticket"] or w["prompt"]):
            out.append(f"window {w['number']} is no longer in the hall file, but "
                       + ("holds ticket " + str(w["ticket_number"]) if w["ticket"] else
                          f"staff {w['staff']!r} is logged in there" if w["staff"] else "awaits a rating"))
    for s, n in snap["staff_at"].items():
        if s not in staff:
            out.append(f"staff {s!r} is logged in at window {n} but is no longer in the hall file")
    return out
