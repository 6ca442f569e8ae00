"""What each site looks like now, folded from its engine events as the county received
them: queues, windows, the day's calls, active alerts, the day's ratings, open 差评
follow-ups and 帮办代办 cases. Pure: records in, a plain dict out; no hall file needed,
so a site the county has no hall file for still shows. The picture is as new as the
last record received: the dashboard says how old that is."""
from __future__ import annotations

from gateway.engine import satisfaction as sat
from gateway.engine.followup import FINAL
from gateway.reports.live import alert_text

CALLS_KEPT = 8


def new() -> dict:
    return {"day": None, "last_at": None, "seq": 0, "waiting": {}, "windows": {}, "calls": [], "issued": 0,
            "called": 0, "served": 0, "no_show": 0, "ratings": {"rated": 0, "levels": {str(i): 0 for i in range(1, 6)},
                                                                "satisfied": 0, "bad": 0},
            "alerts": {}, "followups": {}, "relays": {}}


def fold(s: dict, rec: dict) -> dict:
    """One record into the picture (changed in place, also returned)."""
    s["seq"] = rec["seq"]
    at = rec["cmd"].get("at")
    if isinstance(at, int | float):
        s["last_at"] = at
    for ev in rec["outcome"].get("events") or ():
        f = _ON.get(ev.get("type"))
        if f is not None:
            f(s, ev)
    return s


def _day(s, ev):
    s.update(day=ev.get("day"), calls=[], issued=0, called=0, served=0, no_show=0,
             ratings={"rated": 0, "levels": {str(i): 0 for i in range(1, 6)}, "satisfied": 0, "bad": 0})


def _waiting(s, ev):
    s["waiting"] = dict(ev.get("waiting") or {})


def _window(s, ev):
    s["windows"][str(ev["window"])] = {"status": ev.get("status"), "number": ev.get("number"),
                                       "staff": ev.get("staff"), "paused_reason": ev.get("paused_reason")}


def _issued(s, ev):
    s["issued"] += 1


def _called(s, ev):
    if not ev.get("recall"):
        s["called"] += 1
    s["calls"] = ([{"number": ev.get("number"), "window": ev.get("window"), "at": ev.get("at"),
                    "recall": ev.get("recall", 0)}] + s["calls"])[:CALLS_KEPT]


def _finished(s, ev):
    s["served"] += 1


def _no_show(s, ev):
    s["no_show"] += 1


def _alert(s, ev):
    key = ev.get("key") or ev.get("kind")
    if ev.get("active", True):
        # all its details: summary() names it in Chinese from them
        s["alerts"][key] = {k: v for k, v in ev.items() if k not in ("type", "active")}
    else:
        s["alerts"].pop(key, None)


def _rating(s, ev):
    if ev.get("day") not in (None, s["day"]):
        return  # 补充评价 of an earlier day's service: that day's (gateway/engine/satisfaction.py)
    r = s["ratings"]
    lv = int(ev.get("level") or 0)
    if 1 <= lv <= 5:
        r["rated"] += 1
        r["levels"][str(lv)] += 1
        r["satisfied" if sat.is_satisfied(lv) else "bad"] += 1


def _followup(s, ev):
    fid = ev.get("id")
    if fid is None:
        return
    status = ev.get("status") or "pending"
    if status in FINAL:
        s["followups"].pop(fid, None)
        return
    item = s["followups"].setdefault(fid, {"status": status, "overdue": False, "level": ev.get("level"),
                                           "window": ev.get("window"), "staff": ev.get("staff")})
    item["status"] = status


def _overdue(s, ev):
    item = s["followups"].get(ev.get("id"))
    if item is not None:
        item["overdue"] = True


def _relay(s, ev):
    rid = ev.get("relay")
    if not rid:
        return
    r = s["relays"].setdefault(rid, {"relay": rid})
    if ev["type"] == "case_relayed":
        r.update(dir="out", to=ev.get("to"), number=ev.get("number"), status="sent", note=ev.get("note"))
    elif ev["type"] == "relay_received":
        r.update(dir="in", **{"from": ev.get("from")}, number=ev.get("number"), status="received",
                 note=ev.get("note"))
    elif ev["type"] == "relay_changed":
        r["status"] = ev.get("status")
    elif ev["type"] == "relay_answered":
        r.update(status=ev.get("result"), result_note=ev.get("note"))
    if r.get("status") in ("done", "returned"):
        s["relays"].pop(rid, None)  # open cases only


_ON = {"day_started": _day, "queue_changed": _waiting, "window_changed": _window, "ticket_issued": _issued,
       "ticket_called": _called, "ticket_finished": _finished, "ticket_no_show": _no_show, "alert": _alert,
       "rating_recorded": _rating, "followup_created": _followup, "followup_changed": _followup,
       "followup_overdue": _overdue, "case_relayed": _relay, "relay_received": _relay, "relay_changed": _relay,
       "relay_answered": _relay}


def summary(s: dict, hall=None) -> dict:
    """The picture as the dashboard shows it (JSON-able, plain counts). hall: the site's hall file
    when the county holds it, for the names of its windows and services in the alerts; without it
    a window is 3号窗口 and a service's code is left out (a person reads names, never codes)."""
    r = s["ratings"]
    fus = s["followups"].values()
    windows = {w.number: w.display_text for w in hall.windows} if hall is not None else {}
    services = {v.code: v.name for v in hall.services} if hall is not None else {}
    return {"day": s["day"], "last_at": s["last_at"], "seq": s["seq"], "waiting": s["waiting"],
            "waiting_total": sum(s["waiting"].values()),
            "windows_open": sum(1 for w in s["windows"].values() if w["status"] not in (None, "closed")),
            "windows": s["windows"], "calls": s["calls"], "issued": s["issued"], "called": s["called"],
            "served": s["served"], "no_show": s["no_show"], "ratings": r,
            "satisfaction_pct": sat.percent(sat.rate(r["levels"])),
            "alerts": [{**a, "text": alert_text({**a, "service": a.get("service") if a.get("service") in services
                                                  else None}, windows, services)}
                       for a in sorted(s["alerts"].values(), key=lambda a: a.get("at") or 0)],
            "followups_open": len(s["followups"]), "followups_overdue": sum(1 for f in fus if f["overdue"]),
            "relays_open": len(s["relays"])}
