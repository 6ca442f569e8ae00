"""The gateway's start page at / (gateway/pages/home.py), in Chinese: the hall's name and where
its pages are. A person who types the gateway's address lands here, not on the English API
docs (still at /docs, linked from the page's foot).

Another extension may take / instead (the hall simulator's landing page, hil/hall/web.py, `hall-hil
run` only): it PROVIDES FRONT_PAGE, this one WANTS it, so starts after it and then stays out of
its way."""
from __future__ import annotations

import logging

from gateway.extensions.context import Context
from gateway.extensions.ports import FRONT_PAGE

WANTS = (FRONT_PAGE,)
log = logging.getLogger(__name__)


class Home:
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def create(ctx: Context):
    app = ctx.app
    if app is None:
        return None
    other = ctx.get(FRONT_PAGE)
    if other is not None:
        log.info("the start page leaves / to %s", other)
        return None
    from fastapi.responses import HTMLResponse

    from gateway.pages.home import page

    text = page(ctx.hall)

    @app.get("/", include_in_schema=False)
    def home():
        return HTMLResponse(text)

    return Home()
