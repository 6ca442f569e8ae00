"""The clerk console (/clerk) as a gateway extension: a window's call pad in a browser
(gateway/pages/clerk.py). Behind the clerk API token (once per browser, then the clerk's
signed cookie: gateway/roles) and the staff login code; pushes the window's state
through the pages' push hub.

options used: app, data_dir, clock, api_token (else HALL_API_TOKEN / data_dir/api_token,
as `hallgw run` loads it), push_hub (the one hub of the pages), closing (set at a signal:
the event streams end, so the server can stop)."""
from __future__ import annotations

import time

ORDER = 70


class ClerkConsole:
    def __init__(self, console):
        self.console = console

    def start(self) -> None:
        pass  # the routes are mounted at create(); the shared hub already follows the runtime

    def stop(self) -> None:
        self.console.closing.set()  # the open event streams end within a heartbeat


def create(runtime, options: dict):
    app = options.get("app")
    if app is None:
        return None  # no web server, no console
    from gateway.pages.clerk import Console
    from gateway.pages.push import hub_for
    from gateway.pages.refusals import install
    from gateway.roles import install as know_roles
    from gateway.roles import load_token

    data_dir = options.get("data_dir") or "data"
    know_roles(app, data_dir, clerk=options.get("api_token") or load_token(data_dir)[0])
    hub = options.get("push_hub") or hub_for(runtime)
    options["push_hub"] = hub  # one hub for every page
    install(app)  # refusals answered in Chinese (detail) and the engine's English (reason)
    console = Console(runtime, hub, options.get("clock") or time.time, closing=options.get("closing"))
    app.include_router(console.router())
    return ClerkConsole(console)
