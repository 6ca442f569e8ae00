"""The ticket kiosk (叫号机) as a gateway extension (gateway/kiosk): the page /kiosk, POST
/api/v1/kiosk/tickets behind the kiosk's own token, GET /api/v1/printers; the printer's state
is polled every printer_poll_seconds (30) so the supervisor sees a printer out between tickets.

options used: app, clock, data_dir, supervisor_token, kiosk_token, printer_poll_seconds, push_hub
(the pages' one hub; made here if absent), closing (set at shutdown: the phone pages' streams end)."""
from __future__ import annotations

import logging
import time

ORDER = 66


def _not_escpos(record: logging.LogRecord) -> bool:
    # python-escpos logs "Network printer enabled" / "Closing ..." on the root logger at every
    # connection (each ticket and status poll): kept out of the gateway's log.
    return "/escpos/" not in record.pathname.replace("\\", "/")


def create(runtime, options: dict):
    from gateway.kiosk.api import router
    from gateway.kiosk.service import KioskService

    if _not_escpos not in logging.getLogger().filters:
        logging.getLogger().addFilter(_not_escpos)
    service = KioskService(runtime, options.get("clock") or time.time,
                           float(options.get("printer_poll_seconds", 30)))
    app = options.get("app")
    if app is not None:
        from gateway.pages.refusals import install
        install(app)  # refusals in Chinese for the kiosk's and the phone page's answers
        from gateway.roles import install as know_roles
        from gateway.roles import load_role_token
        data_dir = options.get("data_dir") or "data"
        token = options.get("kiosk_token") or load_role_token(data_dir, "kiosk")[0]
        know_roles(app, data_dir, kiosk=token, supervisor=options.get("supervisor_token"))
        from gateway.pages.push import hub_for
        hub = options.get("push_hub") or hub_for(runtime)
        options["push_hub"] = hub  # one hub for every page (the ticket's phone page pushes through it)
        app.include_router(router(service, hub, options.get("closing")))
    return service
