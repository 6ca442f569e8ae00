"""A device sending more than its budget ([device_limits]). The device plane drops the excess
before the engine (gateway/devices/budget.py); what the engine keeps is one alert per device
while it floods, raised and ended by the plane's `device_flood` commands, so a flood of any
size is two records in the audited log: its start, and its end with the totals (the summary of
what was dropped and of the refusals that were not logged one by one).

  device_flood {device, active: true, dropped}
      -> alert {kind: device_flood, key: device_flood:<device>, device, window, role, dropped}
  device_flood {device, active: false, dropped, unlogged, malformed}
      -> the alert ends; its end event carries the totals

`device` "*" stands for every id that is not in the hall file (they share one budget). Raising
an alert that is up, or ending one that is not, changes nothing (the end is still logged: its
totals are the record of the episode).
"""
from __future__ import annotations

from gateway.engine.rules import set_alert

KIND = "device_flood"
UNKNOWN = "*"
TOTALS = ("dropped", "unlogged", "malformed")


def device_flood(eng, cmd, at, events):
    dev = cmd["device"]
    key = f"{KIND}:{dev}"
    if cmd["active"]:
        cfg = next((d for d in eng.hall.devices if d.id == dev), None)
        if cfg is None and dev != UNKNOWN:
            return f"no device {dev} in this hall", None
        where = {"window": cfg.window, "role": cfg.role} if cfg else {}
        set_alert(eng, key, True, at, events, device=dev, dropped=cmd.get("dropped") or 0, **where)
    elif key in eng.alerts:
        # Not set_alert: its end event takes the raise's fields, and the raise's count is not the total.
        raised = eng.alerts.pop(key)
        events.append({**{k: v for k, v in raised.items() if k not in ("at", "active")},
                       "type": "alert", "at": at, "active": False, "since": raised["at"],
                       **{k: cmd.get(k) or 0 for k in TOTALS}})
    return None, {"device": dev, "active": key in eng.alerts}
