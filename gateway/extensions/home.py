"""The gateway's start page at / (gateway/pages/home.py), in Chinese: the hall's name and where
its pages are. A person who types the gateway's address lands here, not on the English API
docs (still at /docs, linked from the page's foot).

ORDER 90, after the pages: the hall simulator's landing page (hil/hall/web.py, `hall-hil run` only)
takes / first, and then this one stays out of its way."""
from __future__ import annotations

ORDER = 90


class Home:
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def create(runtime, options: dict):
    app = options.get("app")
    if app is None or any(getattr(r, "path", None) == "/" for r in app.routes):
        return None
    from fastapi.responses import HTMLResponse

    from gateway.pages.home import page

    text = page(runtime.hall)

    @app.get("/", include_in_schema=False)
    def home():
        return HTMLResponse(text)

    return Home()
