"""GET /api/v1/devices: every configured device, its health and the rev of the
desired state the gateway last sent it next to the rev it says it applied."""
from __future__ import annotations

from fastapi import APIRouter


def router(plane) -> APIRouter:
    r = APIRouter()

    @r.get("/api/v1/devices", summary="The hall's devices: role, window, online, firmware, signal, heap")
    def devices():
        out = []
        for d in plane.registry.listing():
            d["desired_rev"] = plane.published.rev(d["id"])
            out.append(d)
        return {"hall": plane.hall.id, "gateway_connected": plane.link.connected, "devices": out}

    return r
