"""The HTTP contract (gateway/api/contract.py) put on every route, once the other
extensions have added theirs: ORDER last."""
from __future__ import annotations

import logging

from gateway.api import contract

ORDER = 99
log = logging.getLogger(__name__)


def create(runtime, options: dict):
    app = options.get("app")
    return None if app is None else Contract(app)


class Contract:
    def __init__(self, app):
        self.app = app

    def start(self) -> None:
        for method, path in contract.apply(self.app):
            log.error("%s %s answers nothing declared in gateway/api/contract.py TABLE", method, path)

    def stop(self) -> None:
        pass
