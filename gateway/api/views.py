"""Read-only views of the engine for the API (run under the runtime's lock)."""
from __future__ import annotations

from gateway.engine import followup as fu
from gateway.engine import public
from gateway.engine import stats as st


def queue(eng) -> dict:
    services = []
    for s in eng.hall.services:
        normal, priority = eng.line.ordered(s.code)
        services.append({"code": s.code, "name": s.name, "prefix": s.prefix, "waiting": eng.line.waiting[s.code],
                         "normal": [t["number"] for t in normal], "priority": [t["number"] for t in priority]})
    directed = [{"number": t["number"], "service": t["service"], "to": t["queue"]["to"], "key": t["queue"]["key"]}
                for t in eng.tickets.values() if t["state"] == "waiting" and t["queue"]["to"] != "service"]
    return {"day": eng.day, "waiting": dict(eng.line.waiting), "services": services, "transferred": directed}


def windows(eng) -> list[dict]:
    out = []
    for cfg in eng.hall.windows:
        w = eng.windows[cfg.number]
        out.append({"number": cfg.number, "display_text": cfg.display_text, "type": cfg.type,
                    "services": list(cfg.services), "status": w["status"], "staff": w["staff"], "post": w["post"],
                    "ticket": w["ticket"], "ticket_number": w["ticket_number"], "recalls": w["recalls"],
                    "paused_reason": w["paused_reason"], "until": w["until"], "since": w["since"],
                    "cases_today": w["cases"], "evaluation_prompt": w["prompt"]})
    return out


def ticket(eng, ref: str) -> dict | None:
    t = eng.tickets.get(ref)
    if t is None and ref in eng.by_number:
        t = eng.tickets.get(eng.by_number[ref])
    if t is None:
        return None
    out = public(t)
    if t["state"] == "waiting" and t["queue"]["to"] == "service":
        lanes = eng.line.ordered(t["service"])
        lane = lanes[1] if t["lane"] != "normal" else lanes[0]
        out["ahead_in_lane"] = next(i for i, x in enumerate(lane) if x["id"] == t["id"])
    return out


def stats_today(eng, now: float) -> dict:
    report = st.report(eng.stats, eng.live_idle(now))
    # The hall is judged on satisfaction ≥ the target (95 %): say where today stands,
    # for the hall and for each window and clerk with ratings.
    target = eng.hall.thresholds.satisfaction_percent / 100
    report["evaluation"]["satisfaction_target"] = target
    report["evaluation"]["below_target"] = _below(report["evaluation"]["satisfaction_rate"], target)
    for kind in ("window", "staff"):
        for a in report[kind].values():
            a["below_target"] = _below(a["satisfaction_rate"], target)
    report["alerts"] = [dict(a) for a in eng.alerts.values()]
    report["followups"] = [fu.public(f) for f in eng.followups if f["status"] not in fu.FINAL]
    report["content"] = {"version": eng.content["version"], "source": eng.content_source}
    return report


def content(eng) -> dict:
    return {"version": eng.content["version"], "reasons": [dict(r) for r in eng.content["reasons"]],
            "source": eng.content_source, "versions": sorted(eng.content_codes)}


def followups(eng, status: str | None = None, overdue: bool | None = None) -> list[dict]:
    """Follow-ups by status; overdue: past its contact or its rectify deadline (or neither)."""
    out = []
    for f in eng.followups:
        late = f["overdue"] or f["contact_overdue"]
        if (status is None or f["status"] == status) and (overdue is None or late == overdue):
            out.append(_followup(f))
    return out


def followup(eng, fid: str) -> dict | None:
    f = eng.followup_by_id.get(fid)
    return None if f is None else _followup(f)


def _followup(f: dict) -> dict:
    return {**fu.public(f), "status_name": fu.STATUS_CN[f["status"]]}


def _below(rate: float | None, target: float) -> bool | None:
    return None if rate is None else rate < target
