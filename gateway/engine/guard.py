"""Guarded login codes: wrong codes at a window lock that window's login.

A login arrives with the code already checked by the runtime's code book
(`verified` true with the staff id, or false): the log never holds a code. Old
records (and direct engine users) may still carry `staff_code`, checked against
the hall file's codes.

`wrong_in_a_row` wrong codes lock the window's login for `lock_seconds`; after
that each further wrong code locks it again for twice as long as the last lock,
at most `lock_max_seconds`, until a login there (once the lock has run out) or a
new service day clears the count: a right code alone does not (a clerk's own code,
typed at a window that is taken, must not wipe out a guesser's count). While locked, every login there is refused
without looking at the code, so guessing learns nothing. Each lock raises
`alert {kind: login_locked, key: login_locked:<window>, window, locks, wrong, until,
seconds}`; it ends when the lock runs out.

Counting is the one change a refused command makes: attempt() runs before the
handler, and what it records stands whatever the handler decides (as time passing
does). Deterministic: time comes only from the command's `at`.
"""
from __future__ import annotations

import math

from gateway.engine.rules import set_alert

KIND = "login_locked"


def member(eng, cmd):
    """The staff member a login names: verified by the code book, else by a legacy code."""
    if cmd.get("staff_code") is not None:
        return eng.staff_by_code.get(cmd["staff_code"])
    if cmd.get("verified") is True:
        return eng.staff_by_id.get(cmd.get("staff"))
    return None


def attempt(eng, cmd, at, events) -> str | None:
    """Count this login attempt at its window; the refusal when it must fail here
    (locked, or a wrong code), None when the code was right and the window unlocked."""
    n = cmd["window"]
    g = eng.login_guard.get(n)
    if g is not None and at < g["until"]:
        wait = math.ceil(g["until"] - at)
        return f"login locked {wait} s more (wrong codes at window {n})"
    if member(eng, cmd) is not None:
        return None  # the count is cleared by the login itself (logged_in), not by any right code
    if g is None:
        g = eng.login_guard[n] = {"wrong": 0, "locks": 0, "until": 0.0}
    rules = eng.hall.logins
    g["wrong"] += 1
    if g["locks"] == 0 and g["wrong"] < rules.wrong_in_a_row:
        return f"unknown staff code ({rules.wrong_in_a_row - g['wrong']} more wrong before the login locks)"
    g["locks"] += 1
    seconds = min(rules.lock_max_seconds, rules.lock_seconds * 2 ** (g["locks"] - 1))
    g["until"] = at + seconds
    set_alert(eng, f"{KIND}:{n}", True, at, events, window=n, locks=g["locks"], wrong=g["wrong"],
              until=g["until"], seconds=seconds)
    return f"unknown staff code: login locked {seconds} s"


def locked_for(eng, window: int, at: float) -> int:
    """Whole seconds the window's login stays locked at `at` (0: not locked). A view."""
    g = eng.login_guard.get(window)
    return math.ceil(g["until"] - at) if g is not None and at < g["until"] else 0


def logged_in(eng, window: int) -> None:
    """A login went through at the window: its wrong codes are forgotten."""
    eng.login_guard.pop(window, None)


def pass_time(eng, at, events) -> None:
    """End the alert of each lock that has run out."""
    for n, g in eng.login_guard.items():
        if at >= g["until"] and f"{KIND}:{n}" in eng.alerts:
            set_alert(eng, f"{KIND}:{n}", False, at, events, window=n)


def new_day(eng, at) -> None:
    """A new service day forgets the wrong codes of every window not locked now."""
    eng.login_guard = {n: g for n, g in eng.login_guard.items() if at < g["until"]}


def snapshot(eng) -> dict:
    return {"login_guard": {str(n): dict(g) for n, g in eng.login_guard.items()}}


def restore(eng, snap: dict) -> None:
    eng.login_guard = {int(n): dict(g) for n, g in snap.get("login_guard", {}).items()
                       if int(n) in eng.windows}
