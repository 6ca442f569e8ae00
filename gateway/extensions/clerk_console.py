"""The clerk console (/clerk) as a gateway extension: a window's call pad in a browser
(gateway/pages/clerk.py). Behind the clerk API token (once per browser, then the clerk's
signed cookie: gateway/roles) and the staff login code; pushes the window's state through the
pages' push hub. Its event streams end when ctx.closing is set (at a signal), so the server can
stop."""
from __future__ import annotations

from gateway.extensions.context import Context
from gateway.extensions.ports import PUSH_HUB

NEEDS = (PUSH_HUB,)


class ClerkConsole:
    def __init__(self, console):
        self.console = console

    def start(self) -> None:
        pass  # the routes are mounted at create(); the shared hub already follows the runtime

    def stop(self) -> None:
        self.console.closing.set()  # the open event streams end within a heartbeat


def create(ctx: Context):
    app = ctx.app
    if app is None:
        return None  # no web server, no console
    from gateway.api.refusals import install
    from gateway.pages.clerk import Console
    from gateway.roles import install as know_roles

    know_roles(app, ctx.data_dir, clerk=ctx.tokens.clerk)
    install(app)  # refusals answered in Chinese (detail) and the engine's English (reason)
    console = Console(ctx.runtime, ctx.need(PUSH_HUB), ctx.clock, closing=ctx.closing)
    app.include_router(console.router())
    return ClerkConsole(console)
