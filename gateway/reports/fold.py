"""The reporting fold: one committed record of the command log in, the rows it changes out.

Pure: no I/O and no clock. `Live` holds the rows still open (tickets not yet done, a
ticket's current visit to a window, a window's open session / idle / pause span, active
alerts, 差评 follow-ups not settled); the fold continues them and returns every row it
created or changed, for the shell to write. A closed row leaves `Live`, so memory stays
bounded by what is open, however long the log.

Rows (one dict per table row, columns as in store.SCHEMA):
  tickets   one per ticket: issue facts and how it ended
  visits    one per call of a ticket to a window: wait, walk-up, service, how it ended
  spans     a window's session (login..logout), idle and paused intervals
  ratings   one per rating, with its exact attribution
  followups one per 差评 follow-up item, its latest status
  alerts    one per alert occurrence, start to end
  reasons   one per 差评 reason of each evaluation content version received (its text)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.engine.followup import FINAL

DayOf = Callable[[float], str]  # epoch seconds -> the service day (ISO date)


@dataclass
class Live:
    tickets: dict[str, dict] = field(default_factory=dict)
    visits: dict[str, dict] = field(default_factory=dict)  # ticket id -> its open visit
    spans: dict[tuple[int, str], dict] = field(default_factory=dict)  # (window, kind) -> open span
    alerts: dict[str, dict] = field(default_factory=dict)  # alert key -> open occurrence
    followups: dict[str, dict] = field(default_factory=dict)  # id -> item not settled


Change = tuple[str, dict]  # (table, row)


def fold(live: Live, rec: dict, day_of: DayOf) -> list[Change]:
    """The rows one record changes. Events ride on refused commands too (time passing)."""
    out: list[Change] = []
    seq = rec["seq"]
    rated: dict[str, dict] = {}  # this record's ratings by prompt, for the follow-up it opens
    for i, ev in enumerate(rec["outcome"].get("events") or ()):
        handler = HANDLERS.get(ev.get("type"))
        if handler is not None:
            handler(live, ev, day_of, out, f"{seq}:{i}", rated)
    return out


# -- tickets and visits --------------------------------------------------------------------
def _issued(live, ev, day_of, out, _id, _rated):
    t = ev["ticket"]
    row = {"id": ev["id"], "day": t.get("day") or day_of(ev["at"]), "number": ev["number"],
           "service": ev["service"], "lane": ev["lane"], "issued_at": ev["at"], "ready_at": ev["at"],
           "outcome": "open", "ended_at": None, "ended_day": None, "visits": 0}
    live.tickets[row["id"]] = row
    out.append(("tickets", row))


def _end_ticket(live, ev, day_of, out, outcome: str) -> dict | None:
    row = live.tickets.pop(ev["ticket"], None)
    if row is not None:
        row.update(outcome=outcome, ended_at=ev["at"], ended_day=day_of(ev["at"]))
        out.append(("tickets", row))
    return row


def _called(live, ev, day_of, out, _id, _rated):
    if ev.get("recall"):
        return  # the same call said again: not a new visit
    t = live.tickets.get(ev["ticket"])
    if t is None:
        return
    t["visits"] += 1
    at = ev["at"]
    v = {"ticket": t["id"], "n": t["visits"], "day": day_of(at), "number": ev["number"], "window": ev["window"],
         "staff": ev["staff"], "service": ev["service"], "lane": ev["lane"], "ready_at": t["ready_at"],
         "called_at": at, "started_at": None, "ended_at": None, "how": None, "case_type": None,
         "wait_s": max(0.0, at - t["ready_at"]), "walkup_s": None, "service_s": None, "handover_s": None}
    live.visits[t["id"]] = v
    out += [("tickets", t), ("visits", v)]


def _started(live, ev, _day_of, out, _id, _rated):
    v = live.visits.get(ev["ticket"])
    if v is not None:
        v.update(started_at=ev["at"], walkup_s=max(0.0, ev["at"] - v["called_at"]))
        out.append(("visits", v))


def _end_visit(live, ev, out, how: str) -> dict | None:
    v = live.visits.pop(ev["ticket"], None)
    if v is not None:
        v.update(ended_at=ev["at"], how=how)
        out.append(("visits", v))
    return v


def _finished(live, ev, day_of, out, _id, _rated):
    v = _end_visit(live, ev, out, "served")
    if v is not None:
        v.update(case_type=ev.get("case_type") or "immediate",
                 service_s=max(0.0, ev["at"] - (v["started_at"] if v["started_at"] is not None else ev["at"])))
    _end_ticket(live, ev, day_of, out, "served")


def _no_show(live, ev, day_of, out, _id, _rated):
    _end_visit(live, ev, out, "no_show")
    _end_ticket(live, ev, day_of, out, "no_show")


def _transferred(live, ev, _day_of, out, _id, _rated):
    v = _end_visit(live, ev, out, "transferred")
    if v is not None and v["started_at"] is not None:  # handed on while serving: time spent before the handover
        v["handover_s"] = max(0.0, ev["at"] - v["started_at"])
    t = live.tickets.get(ev["ticket"])
    if t is not None:  # it waits again, from now: its next wait counts from the transfer
        t["ready_at"] = ev["at"]
        out.append(("tickets", t))


def _cancelled(live, ev, day_of, out, _id, _rated):
    _end_ticket(live, ev, day_of, out, "cancelled")


def _voided(live, ev, day_of, out, _id, _rated):
    _end_ticket(live, ev, day_of, out, "voided")


def _reset(live, ev, day_of, out, _id, _rated):
    _end_visit(live, ev, out, "reset")  # still at a window when the day ended
    _end_ticket(live, ev, day_of, out, "reset")


# -- windows: sessions, idle and pauses ------------------------------------------------------
SPAN_KINDS = ("idle", "paused")


def _close_span(live, window: int, kind: str, at: float, day_of, out) -> None:
    s = live.spans.pop((window, kind), None)
    if s is not None:
        s["stop"], s["end_day"] = at, day_of(at)
        out.append(("spans", s))


def _open_span(live, ev, kind: str, day_of, out, sid: str, **extra) -> None:
    s = {"id": sid, "window": ev["window"], "kind": kind, "staff": ev["staff"], "start": ev["at"], "stop": None,
         "day": day_of(ev["at"]), "end_day": None, "post": ev.get("post"), "reason": None, **extra}
    live.spans[(ev["window"], kind)] = s
    out.append(("spans", s))


def _window(live, ev, day_of, out, sid, _rated):
    n, at, status, staff = ev["window"], ev["at"], ev["status"], ev["staff"]
    session = live.spans.get((n, "session"))
    if session is not None and session["staff"] != staff:
        for kind in SPAN_KINDS:
            _close_span(live, n, kind, at, day_of, out)
        _close_span(live, n, "session", at, day_of, out)
        session = None
    if session is None and staff is not None:
        _open_span(live, ev, "session", day_of, out, sid)
    for kind in SPAN_KINDS:
        open_span = live.spans.get((n, kind))
        # A new pause (another reason) is a new span, as the engine's status change is.
        if open_span is not None and (status != kind or kind == "paused"):
            _close_span(live, n, kind, at, day_of, out)
        if status == kind and staff is not None:
            _open_span(live, ev, kind, day_of, out, sid + kind[0],
                       reason=ev.get("paused_reason") if kind == "paused" else None)


# -- ratings and follow-ups -----------------------------------------------------------------
def _rating(live, ev, day_of, out, rid, rated):
    row = {"id": rid, "day": ev.get("day") or day_of(ev["at"]), "prompt": ev["prompt"], "ticket": ev["ticket"],
           "number": ev["number"], "service": ev["service"], "window": ev["window"], "staff": ev["staff"],
           "finished_at": ev.get("finished_at"), "rated_at": ev.get("rated_at", ev["at"]), "at": ev["at"],
           "level": ev["level"], "reasons": ",".join(ev.get("reasons") or ()),
           "source": "supplementary" if ev.get("channel") == "supplementary" else "evaluator", "followup": None,
           "matter": ev.get("matter"), "reasons_version": ev.get("reasons_version")}
    rated[ev["prompt"]] = row
    out.append(("ratings", row))


def _followup_created(live, ev, day_of, out, _id, rated):
    row = {"id": ev["id"], "day": day_of(ev["at"]), "prompt": ev["prompt"], "ticket": ev["ticket"],
           "window": ev["window"], "staff": ev["staff"], "service": ev["service"], "level": ev["level"],
           "created_at": ev["at"], "contact_by": ev["contact_by"], "rectify_by": ev["rectify_by"],
           "status": ev["status"], "contact_overdue": 0, "overdue": 0, "closed_at": None}
    live.followups[row["id"]] = row
    out.append(("followups", row))
    r = rated.get(ev["prompt"])
    if r is not None:  # the 差评 it follows up, rated in the same record
        r["followup"] = row["id"]


def _followup_changed(live, ev, _day_of, out, _id, _rated):
    row = live.followups.get(ev["id"])
    if row is None:
        return  # settled already: a callback (回访) after the close changes no status
    row["status"] = ev["status"]
    if ev["status"] in FINAL:
        row["closed_at"] = ev["at"]
        del live.followups[row["id"]]
    out.append(("followups", row))


def _followup_overdue(live, ev, _day_of, out, _id, _rated):
    row = live.followups.get(ev["id"])
    if row is not None:
        row["contact_overdue" if ev["kind"] == "contact" else "overdue"] = 1
        out.append(("followups", row))


def _content(live, ev, _day_of, out, _id, _rated):
    for r in ev.get("reasons") or ():
        out.append(("reasons", {"id": f"{ev['version']}:{r['code']}", "version": ev["version"], "code": r["code"],
                                "text": r.get("text")}))


def _clock(live, ev, _day_of, out, _id, _rated):
    """A step of the clock: the rows were corrected before this record (store.py, correct.py);
    the 差评 follow-ups it re-dated get their deadlines from the corrected day."""
    for f in ev.get("rescheduled") or ():
        row = live.followups.get(f["id"])
        if row is not None:
            row.update(contact_by=f["contact_by"], rectify_by=f["rectify_by"])
            out.append(("followups", row))


# -- alerts ---------------------------------------------------------------------------------
def _alert(live, ev, day_of, out, aid, _rated):
    key = ev["key"]
    if ev.get("active"):
        row = {"id": aid, "key": key, "kind": ev.get("kind") or key.split(":")[0], "day": day_of(ev["at"]),
               "window": ev.get("window"), "service": ev.get("service"), "staff": ev.get("staff"),
               "started": ev["at"], "ended": None}
        live.alerts[key] = row
        out.append(("alerts", row))
    else:
        row = live.alerts.pop(key, None)
        if row is not None:
            row["ended"] = ev["at"]
            out.append(("alerts", row))


HANDLERS = {
    "ticket_issued": _issued, "ticket_called": _called, "ticket_started": _started,
    "ticket_finished": _finished, "ticket_no_show": _no_show, "ticket_transferred": _transferred,
    "ticket_cancelled": _cancelled, "ticket_voided": _voided, "ticket_reset": _reset,
    "window_changed": _window, "rating_recorded": _rating, "followup_created": _followup_created,
    "followup_changed": _followup_changed, "followup_overdue": _followup_overdue, "alert": _alert,
    "content_changed": _content, "clock_changed": _clock,
}
