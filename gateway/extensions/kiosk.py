"""The ticket kiosk (叫号机) as a gateway extension (gateway/kiosk): the page /kiosk, POST
/api/v1/kiosk/tickets behind the kiosk's own token, GET /api/v1/printers; the printer's state
is polled every settings.printer_poll_seconds (30) so the supervisor sees a printer out between
tickets; its state is the PRINTER port (on /healthz, /metrics and the dashboard). The ticket's phone
page pushes through the pages' one hub; its streams end when ctx.closing is set."""
from __future__ import annotations

import logging

from gateway.extensions.context import Context
from gateway.extensions.ports import PRINTER, PUSH_HUB

NEEDS = (PUSH_HUB,)
PROVIDES = {PRINTER: lambda service: service.monitor}


def _not_escpos(record: logging.LogRecord) -> bool:
    # python-escpos logs "Network printer enabled" / "Closing ..." on the root logger at every
    # connection (each ticket and status poll): kept out of the gateway's log.
    return "/escpos/" not in record.pathname.replace("\\", "/")


def create(ctx: Context):
    from gateway.kiosk.api import router
    from gateway.kiosk.service import KioskService

    if _not_escpos not in logging.getLogger().filters:
        logging.getLogger().addFilter(_not_escpos)
    service = KioskService(ctx.runtime, ctx.clock, float(ctx.settings.printer_poll_seconds))
    app = ctx.app
    if app is not None:
        from gateway.api.refusals import install
        install(app)  # refusals in Chinese for the kiosk's and the phone page's answers
        from gateway.roles import install as know_roles
        know_roles(app, ctx.data_dir, kiosk=ctx.tokens.kiosk, supervisor=ctx.tokens.supervisor)
        app.include_router(router(service, ctx.need(PUSH_HUB), ctx.closing))
    return service
