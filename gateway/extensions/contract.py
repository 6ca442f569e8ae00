"""The HTTP contract (gateway/api/contract.py) put on every route, once the other
extensions have added theirs: LAST."""
from __future__ import annotations

import logging

from gateway.api import contract
from gateway.extensions.context import Context

LAST = True
log = logging.getLogger(__name__)


def create(ctx: Context):
    return None if ctx.app is None else Contract(ctx.app)


class Contract:
    def __init__(self, app):
        self.app = app

    def start(self) -> None:
        for method, path in contract.apply(self.app):
            log.error("%s %s answers nothing declared in gateway/api/contract.py TABLE", method, path)

    def stop(self) -> None:
        pass
