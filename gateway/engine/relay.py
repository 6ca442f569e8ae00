"""帮办代办 up the tiers: a case a hall cannot finish is handed to its parent hall
(village station -> township centre -> county), whose clerks handle it; the result
comes back down to the hall that sent it.

Pure, like the rest of the engine. The mirror carries the events between halls: a
`case_relayed` in a child's log becomes `relay_receive` at the parent, a
`relay_resolved` in the parent's log becomes `relay_result` at the child, each applied
once (the command's origin is the record it came from).

  relay_case {window, note}            the clerk sends up the ticket held at the window
                                       (or its last finished one)            -> case_relayed
  relay_escalate {relay, note, by}     a parent hands a received case on to its own parent
                                                                              -> case_relayed (of)
  relay_receive {relay, from, …}       the parent learns of it (the mirror)  -> relay_received
  relay_handle {relay, action, by, note?}  accept | done | returned          -> relay_changed,
                                       and for done / returned relay_resolved (goes down)
  relay_result {from, events}          the answer arrives back (the mirror)  -> relay_answered;
                                       an escalated case's answer goes on down (relay_resolved)
"""
from __future__ import annotations

OPEN_OUT = ("sent",)
RESULTS = ("done", "returned")  # 已办结 / 退回
STATUS_CN = {"sent": "已上报", "received": "待受理", "handling": "办理中", "escalated": "已转上级",
             "done": "已办结", "returned": "已退回"}
ACTIONS = ("accept",) + RESULTS
FIELDS = ("ticket", "number", "service", "matter", "project_no", "origin_hall")


def snapshot(eng) -> dict:
    return {"relays": {k: dict(v) for k, v in eng.relays.items()}}


def restore(eng, snap: dict) -> None:
    eng.relays = {k: dict(v) for k, v in snap.get("relays", {}).items()}


def relay_case(eng, cmd, at, events):
    parent = eng.hall.parent
    if parent is None:
        return "this hall has no parent hall ([parent] in the hall file) to send a case to", None
    w = eng.windows[cmd["window"]]
    if not w["staff"]:
        return f"window {w['number']} is not logged in", None
    tid = w["ticket"] or w["last_served"]
    t = eng.tickets.get(tid or "")
    if t is None:
        return f"window {w['number']} holds no ticket and has served none to send up", None
    rid = f"{eng.hall.id}:{t['id']}"
    if rid in eng.relays:
        return f"ticket {t['number']} was sent up already ({STATUS_CN[eng.relays[rid]['status']]})", None
    r = {"relay": rid, "dir": "out", "to": parent.id, "from": eng.hall.id, "ticket": t["id"],
         "number": t["number"], "service": t["service"], "matter": t.get("matter"),
         "project_no": t.get("project_no"), "origin_hall": eng.hall.id, "note": cmd["note"], "window": w["number"],
         "staff": w["staff"], "status": "sent", "sent_at": at, "of": None, "result": None, "result_note": None,
         "answered_at": None, "by": None}
    eng.relays[rid] = r
    events.append({"type": "case_relayed", "at": at, **_public(r)})
    return None, _public(r)


def relay_escalate(eng, cmd, at, events):
    parent = eng.hall.parent
    if parent is None:
        return "this hall has no parent hall to hand the case on to", None
    got = eng.relays.get(cmd["relay"])
    if got is None or got["dir"] != "in":
        return f"no case {cmd['relay']!r} was received here", None
    if cmd["by"] not in eng.staff_ids:
        return f"unknown staff member {cmd['by']!r}", None
    if got["status"] not in ("received", "handling"):
        return f"case {cmd['relay']} is {STATUS_CN[got['status']]}", None
    rid = f"{eng.hall.id}:{got['relay']}"
    r = dict(got, relay=rid, dir="out", to=parent.id, **{"from": eng.hall.id}, note=cmd["note"], window=None,
             staff=cmd["by"], status="sent", sent_at=at, of=got["relay"], result=None, result_note=None,
             answered_at=None, by=None)
    got["status"] = "escalated"
    eng.relays[rid] = r
    events.append({"type": "relay_changed", "at": at, "relay": got["relay"], "status": "escalated",
                   "by": cmd["by"], "note": cmd["note"]})
    events.append({"type": "case_relayed", "at": at, **_public(r)})
    return None, _public(r)


def relay_receive(eng, cmd, at, events):
    rid = cmd["relay"]
    if rid in eng.relays:
        return f"case {rid} was received already", None
    r = {"relay": rid, "dir": "in", "to": eng.hall.id, "from": cmd["from"], "note": cmd.get("note") or "",
         "window": None, "staff": None, "status": "received", "sent_at": cmd.get("sent_at") or at, "received_at": at,
         "of": None, "result": None, "result_note": None, "answered_at": None, "by": None,
         **{k: cmd.get(k) for k in FIELDS}}
    eng.relays[rid] = r
    events.append({"type": "relay_received", "at": at, **_public(r)})
    return None, _public(r)


def relay_handle(eng, cmd, at, events):
    r = eng.relays.get(cmd["relay"])
    if r is None or r["dir"] != "in":
        return f"no case {cmd['relay']!r} was received here", None
    if cmd["by"] not in eng.staff_ids:
        return f"unknown staff member {cmd['by']!r}", None
    action = cmd["action"]
    if action not in ACTIONS:
        return f"relay_handle: action must be one of {', '.join(ACTIONS)}", None
    if r["status"] not in ("received", "handling"):
        return f"case {r['relay']} is {STATUS_CN[r['status']]} already", None
    if action == "accept":
        if r["status"] == "handling":
            return f"case {r['relay']} is being handled already", None
        r.update(status="handling", by=cmd["by"])
        events.append({"type": "relay_changed", "at": at, "relay": r["relay"], "status": "handling",
                       "by": cmd["by"], "note": cmd.get("note")})
        return None, _public(r)
    _resolve(r, action, cmd.get("note") or "", cmd["by"], at, events)
    return None, _public(r)


def _resolve(r: dict, result: str, note: str, by: str, at: float, events: list) -> None:
    r.update(status=result, result=result, result_note=note, by=by, answered_at=at)
    events.append({"type": "relay_changed", "at": at, "relay": r["relay"], "status": result, "by": by, "note": note})
    events.append({"type": "relay_resolved", "at": at, "relay": r["relay"], "to": r["from"], "result": result,
                   "note": note, "by": by, "number": r["number"], "ticket": r["ticket"]})


def relay_result(eng, cmd, at, events):
    mine = [e for e in cmd["events"] if e.get("type") == "relay_resolved" and e.get("to") == eng.hall.id]
    done = 0
    for e in mine:
        r = eng.relays.get(e.get("relay"))
        if r is None or r["dir"] != "out" or r["status"] not in OPEN_OUT or e.get("result") not in RESULTS:
            continue
        note = str(e.get("note") or "")[:500]
        r.update(status=e["result"], result=e["result"], result_note=note, by=e.get("by"), answered_at=at)
        events.append({"type": "relay_answered", "at": at, "relay": r["relay"], "from": cmd["from"],
                       "ticket": r["ticket"], "number": r["number"], "result": r["result"], "note": note,
                       "by": r["by"]})
        below = eng.relays.get(r["of"] or "")
        if below is not None and below["status"] == "escalated":
            # The case came from a station below: its answer goes on down.
            _resolve(below, r["result"], note, f"{cmd['from']}:{r['by'] or ''}", at, events)
        done += 1
    if not done:
        return "no answer to a case of this hall in it", None
    return None, {"answered": done}


def _public(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "dir"}


def listing(eng, direction: str | None = None) -> list[dict]:
    """The cases for the clerks' page: newest first, each with its status in Chinese."""
    out = [dict(r, status_cn=STATUS_CN[r["status"]]) for r in eng.relays.values()
           if direction is None or r["dir"] == direction]
    return sorted(out, key=lambda r: r["sent_at"], reverse=True)
