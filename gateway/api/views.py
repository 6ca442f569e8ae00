"""Read-only views of the engine for the API (run under the runtime's lock, through the
engine's read side, gateway/engine/reads.py)."""
from __future__ import annotations

from gateway.engine import followup as fu
from gateway.engine import reads


def queue(eng) -> dict:
    services = []
    for s in eng.hall.services:
        line = reads.queue_line(eng, s.code)
        services.append({"code": s.code, "name": s.name, "prefix": s.prefix, "waiting": line.waiting,
                         "normal": [t.number for t in line.normal], "priority": [t.number for t in line.priority],
                         "call_order": [t.number for t in line.tickets],
                         "printing": [t.number for t in line.printing]})
    directed = [{"number": t.number, "service": t.service, "to": t.waiting_for.to, "key": t.waiting_for.key}
                for t in reads.transferred(eng)]
    return {"day": reads.day(eng), "waiting": reads.waiting(eng), "services": services, "transferred": directed}


def windows(eng) -> list[dict]:
    out = []
    for cfg, w in zip(eng.hall.windows, reads.windows(eng), strict=True):
        out.append({"number": cfg.number, "display_text": cfg.display_text, "type": cfg.type,
                    "services": list(cfg.services), "status": w.status, "staff": w.staff, "post": w.post,
                    "ticket": w.ticket, "ticket_number": w.ticket_number, "recalls": w.recalls,
                    "paused_reason": w.paused_reason, "until": w.until, "since": w.since,
                    "cases_today": w.cases, "evaluation_prompt": w.prompt})
    return out


def ticket(eng, ref: str) -> dict | None:
    out = reads.ticket_record(eng, ref)
    if out is None:
        return None
    wf = out["waiting_for"]
    if wf is not None and wf["to"] == "service":
        line = reads.queue_line(eng, out["service"])
        lane = line.priority if out["lane"] != "normal" else line.normal
        out["ahead_in_lane"] = next(i for i, x in enumerate(lane) if x.id == out["id"])
    return out


def stats_today(eng, now: float) -> dict:
    report = reads.stats_report(eng, now)
    # The hall is judged on satisfaction ≥ the target (95 %): say where today stands,
    # for the hall and for each window and clerk with ratings.
    target = eng.hall.thresholds.satisfaction_percent / 100
    report["evaluation"]["satisfaction_target"] = target
    report["evaluation"]["below_target"] = _below(report["evaluation"]["satisfaction_rate"], target)
    for kind in ("window", "staff"):
        for a in report[kind].values():
            a["below_target"] = _below(a["satisfaction_rate"], target)
    report["alerts"] = reads.alerts(eng)
    report["followups"] = reads.followups(eng, final=False)
    c = reads.content(eng)
    report["content"] = {"version": c.version, "source": c.source}
    return report


def content(eng) -> dict:
    c = reads.content(eng)
    return {"version": c.version, "reasons": [{"code": r.code, "text": r.text} for r in c.reasons],
            "source": c.source, "versions": list(c.versions)}


def followups(eng, status: str | None = None, overdue: bool | None = None) -> list[dict]:
    """Follow-ups by status; overdue: past its contact or its rectify deadline (or neither)."""
    return [_followup(f) for f in reads.followups(eng, status=status, overdue=overdue)]


def followup(eng, fid: str) -> dict | None:
    f = reads.followup(eng, fid)
    return None if f is None else _followup(f)


def _followup(f: dict) -> dict:
    return {**f, "status_name": fu.STATUS_CN[f["status"]]}


def _below(rate: float | None, target: float) -> bool | None:
    return None if rate is None else rate < target
