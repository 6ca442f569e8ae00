"""The clerk console (/clerk) as a gateway extension: a window's call pad in a browser
(gateway/pages/clerk.py). Behind the clerk API token (once per browser) and the staff
login code; pushes the window's state through the pages' push hub.

options used: app, data_dir, clock, api_token (else HALL_API_TOKEN / data_dir/api_token,
as `hallgw run` loads it), push_hub (shared with the other pages; made here if absent)."""
from __future__ import annotations

import time

ORDER = 70


class ClerkConsole:
    def __init__(self, console, hub, own_hub: bool):
        self.console, self.hub, self.own_hub = console, hub, own_hub

    def start(self) -> None:
        pass  # the routes are mounted at create(); the hub already follows the runtime

    def stop(self) -> None:
        if self.own_hub:
            self.hub.stop()  # ends the open event streams


def create(runtime, options: dict):
    app = options.get("app")
    if app is None:
        return None  # no web server, no console
    from gateway.api.auth import load_token
    from gateway.pages.clerk import Console
    from gateway.pages.push import PushHub

    token = options.get("api_token") or load_token(options.get("data_dir") or "data")[0]
    hub, own = options.get("push_hub"), False
    if hub is None:
        hub, own = PushHub(runtime), True
        options["push_hub"] = hub
    console = Console(runtime, token, hub, options.get("clock") or time.time)
    app.include_router(console.router())
    return ClerkConsole(console, hub, own)
