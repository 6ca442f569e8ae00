"""The ticket kiosk (叫号机) as a gateway extension (gateway/kiosk): the page /kiosk, POST
/api/v1/kiosk/tickets behind the kiosk's own token, GET /api/v1/printers; the printer's state
is polled every printer_poll_seconds (30) so the supervisor sees a printer out between tickets.

options used: app, clock, data_dir, supervisor_token, kiosk_token, printer_poll_seconds."""
from __future__ import annotations

import time

ORDER = 66


def create(runtime, options: dict):
    from gateway.api.auth import load_role_token
    from gateway.kiosk.api import router
    from gateway.kiosk.service import KioskService

    service = KioskService(runtime, options.get("clock") or time.time,
                           float(options.get("printer_poll_seconds", 30)))
    app = options.get("app")
    if app is not None:
        token = options.get("kiosk_token") or load_role_token(options.get("data_dir") or "data", "kiosk")[0]
        app.include_router(router(service, token, options.get("supervisor_token")))
    return service
