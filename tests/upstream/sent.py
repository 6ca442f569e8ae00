""""Exactly once" counted from what the province RECEIVED: its request log (every attempt, each
with its answer), never its records table, whose UNIQUE eval_id cannot hold a repeat anyway.

Each rating must be accepted exactly once (200/0, or "cut": stored, then the answer lost on the
way back), and the resends (answered 200/3 重复值) are bounded on both sides: each rating that was
stored while the gateway did not know it (a cut answer; in flight at a kill) is sent again at
least once, and no more resends happen than there were such ratings. A gateway that re-sent
everything after each restart, or sent a rating twice in a row, fails here."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from gateway.outbox import items
from gateway.outbox.store import connect
from gateway.upstream.destination import NAME
from hil.province.platform import EVAL_PATH, FORM_PATH

ACCEPTED = ("200/0", "cut")  # stored by this very request
RESENT = "200/3"  # 重复值: the platform had it already


def rating_attempts(province) -> list[dict]:
    """Every request that carried a rating, in arrival order, with the platform's answer."""
    return [a for a in province.attempts() if a["path"] in (EVAL_PATH, FORM_PATH) and a["key"]]


def in_flight(province, db: Path) -> set[str]:
    """After a kill: the ratings the platform holds that the gateway's outbox has not marked
    delivered (sent and stored, the answer never taken in). Each must be sent again."""
    held = {r["eval_id"] for r in province.records()}
    conn = connect(db, readonly=True)
    try:
        pending = {it.key for it in items(conn, NAME, "pending", limit=100000) if it.kind == "rating"}
    finally:
        conn.close()
    return held & pending


def check_sent_once(attempts: list[dict], expected: set[str], must_resend: Counter, bound: int | None = None) -> dict:
    """Raises AssertionError unless each expected rating was accepted exactly once and nothing
    else was, and the resends are at least one for each rating in must_resend and at most
    `bound` (by default must_resend's total). must_resend: eval_id -> how many times the gateway
    could not have known it was stored (cut answers, kills while it was in flight). Returns the counts."""
    accepted = Counter(a["key"] for a in attempts if a["answer"] in ACCEPTED)
    resent = Counter(a["key"] for a in attempts if a["answer"] == RESENT)
    other = [(a["key"], a["answer"]) for a in attempts if a["answer"] not in ACCEPTED + (RESENT,)]
    twice = {k: n for k, n in accepted.items() if n != 1}
    assert not twice, f"accepted more than once: {twice}"
    assert set(accepted) == expected, (f"never accepted: {sorted(expected - set(accepted))}; "
                                       f"not ours: {sorted(set(accepted) - expected)}")
    assert not other, f"answers other than accepted or 重复值: {other}"
    never = sorted(k for k in must_resend if not resent[k])
    assert not never, f"stored unbeknown to the gateway but never sent again: {never}"
    bound = sum(must_resend.values()) if bound is None else bound
    assert sum(resent.values()) <= bound, (f"{sum(resent.values())} resends, at most {bound} could be needed: "
                                           f"{dict(resent)}")
    return {"sent": len(attempts), "accepted": len(accepted), "resent": sum(resent.values()), "bound": bound}


def cut_keys(attempts: list[dict]) -> Counter:
    """Ratings whose acceptance the platform cut off on the way back."""
    return Counter(a["key"] for a in attempts if a["answer"] == "cut")
