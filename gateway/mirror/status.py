"""What a site tells its parent besides its log: the state that lives outside the
command log (device health, delivery to the province), every status_seconds. The
county shows it with its age; a site that cannot be reached shows how old it is."""
from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

log = logging.getLogger("hallgw.mirror")


def collector(hall, db: Path, http_port: int | None):
    def collect() -> dict:
        out: dict = {}
        if hall.upstream.enabled:
            from gateway.upstream.service import describe
            try:
                d = describe(hall, db)["destinations"][0]
                out["upstream"] = {k: d.get(k) for k in ("pending", "delivered", "dead_letter", "last_error",
                                                          "last_delivered_at", "held")}
            except Exception as e:  # a store no outbox has opened yet
                out["upstream"] = {"error": str(e)}
        else:
            out["upstream"] = {"enabled": False}
        if http_port:
            out["devices"] = devices(http_port)
        return out
    return collect


def devices(http_port: int) -> dict | None:
    """The hall's devices in brief, from its own API (the device plane owns them)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/v1/devices", timeout=2) as r:
            d = json.loads(r.read())
    except (OSError, ValueError):
        return None
    devs = d.get("devices") or []
    offline = [x["id"] for x in devs if not x.get("online")]
    return {"total": len(devs), "online": len(devs) - len(offline), "offline": offline[:20],
            "gateway_connected": d.get("gateway_connected")}
