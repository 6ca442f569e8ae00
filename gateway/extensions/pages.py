"""The pages' push hub as a gateway extension: the one hub (gateway/pages/push.py) through which
every commit's events reach the hall screen, the clerk console, the ticket's phone page and the
supervisor's dashboard. They NEED it; this is its only provider. Stopping it (after them) ends
every subscription still open."""
from __future__ import annotations

from gateway.extensions.context import Context
from gateway.extensions.ports import PUSH_HUB
from gateway.pages.push import PushHub

PROVIDES = {PUSH_HUB: lambda pages: pages.hub}


class Pages:
    def __init__(self, hub: PushHub):
        self.hub = hub

    def start(self) -> None:
        pass  # the hub follows the runtime from its creation

    def stop(self) -> None:
        self.hub.stop()


def create(ctx: Context) -> Pages:
    return Pages(PushHub(ctx.runtime))
