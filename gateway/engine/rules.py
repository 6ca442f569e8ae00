"""Hall rules checked as time passes: tidal and max-wait alerts per service, the daily
case limit of comprehensive windows, and empty posts in opening hours.

Alerts are edge-triggered: an event when a condition starts (active=True) and when it
ends (active=False), so a screen or a supervisor is told once, not every second.
"""
from __future__ import annotations

DEFAULT_SERVICE_S = 300.0  # until a service has finished cases today, assume 5 minutes each


def set_alert(eng, key: str, active: bool, at: float, events: list, **info) -> None:
    """Raise (active) or end an alert; the key's first part is its kind. The queue's and the posts'
    alerts (HOURS_BOUND) are raised only while the hall is open."""
    if active == (key in eng.alerts):
        return
    alert = {"type": "alert", "at": at, "kind": key.split(":")[0], "active": active, "key": key, **info}
    if active:
        eng.alerts[key] = {k: v for k, v in alert.items() if k != "type"}
    else:
        alert.update({k: v for k, v in eng.alerts.pop(key).items() if k not in ("at", "active")})
    events.append(alert)


def case_limit(eng, w: dict, at: float, events: list) -> None:
    cfg = eng.win_cfg[w["number"]]
    limit = eng.hall.thresholds.daily_cases_per_comprehensive_window
    if cfg.type == "comprehensive":
        set_alert(eng, f"case_limit:{w['number']}", w["cases"] > limit, at, events,
             window=w["number"], cases=w["cases"], limit=limit)


HOURS_BOUND = ("tidal", "max_wait", "case_limit", "empty_post")


def after_hours(eng, at: float, events: list) -> None:
    """The queue's and the posts' alerts end at closing time (a closed hall's night never counts),
    even when the first command after it comes the next morning."""
    for key, a in list(eng.alerts.items()):
        if a.get("kind") in HOURS_BOUND:
            span = eng.cal.open_span(a["at"])
            end = span[1] if span is not None else a["at"]
            if at >= end:
                set_alert(eng, key, False, end, events)


def tick(eng, cmd, at, events):
    th = eng.hall.thresholds
    max_wait = th.max_wait_minutes * 60
    serving = dict.fromkeys(eng.codes, 0)
    for n, w in eng.windows.items():
        if w["status"] in ("idle", "calling", "serving"):
            for code in eng.win_cfg[n].services:
                serving[code] += 1
    span = eng.cal.open_span(at)
    for code in eng.codes:
        waiting = eng.line.waiting[code]
        agg = eng.stats["service"].get(code)
        avg = agg["service_s"] / agg["served"] if agg and agg["served"] else DEFAULT_SERVICE_S
        estimate = waiting * avg / max(1, serving[code])
        set_alert(eng, f"tidal:{code}", span is not None and waiting > 0 and estimate > max_wait, at, events,
                  service=code, waiting=waiting, estimate_minutes=round(estimate / 60, 1),
                  open_windows=serving[code])
        oldest = [t["ready_at"] for t in map(eng.line._top, eng.line.lanes[code]) if t is not None]
        longest = at - min(oldest) if oldest else 0.0
        set_alert(eng, f"max_wait:{code}", span is not None and longest > max_wait, at, events, service=code,
             longest_minutes=round(longest / 60, 1))
    for n, w in eng.windows.items():
        if span is not None:
            case_limit(eng, w, at, events)
        closed = w["status"] == "closed" and eng.win_cfg[n].type != "tidal"  # a tidal window may stay shut
        away = w["status"] == "paused" or closed
        long_away = False
        if away and span is not None:
            since = max(w["since"] if w["since"] is not None else span[0], span[0])
            long_away = at - since > th.empty_post_minutes * 60
        set_alert(eng, f"empty_post:{n}", long_away, at, events, window=n, status=w["status"],
             reason=w["paused_reason"], until=w["until"])
    return None, None
