"""好差评 upstream as a gateway extension: every rating to the provincial platform,
exactly once, from the command log (gateway/upstream). Delivers only when the hall
file's [upstream] enabled = true; the routes are there either way, behind the
supervisor token: GET /api/v1/upstream, /api/v1/upstream/dead-letter,
POST /api/v1/upstream/retry. Its delivery state is the UPSTREAM port (/healthz, /metrics, the
dashboard)."""
from __future__ import annotations

import logging

from gateway.extensions.context import Context
from gateway.extensions.ports import UPSTREAM
from gateway.runtime import DB_NAME

PROVIDES = {UPSTREAM: lambda service: service}
log = logging.getLogger(__name__)


def create(ctx: Context):
    from gateway.upstream.api import router
    from gateway.upstream.secret import SecretError
    from gateway.upstream.service import Unavailable, Upstream

    hall = ctx.hall
    db = ctx.data_dir / DB_NAME
    service: Upstream | Unavailable
    if not hall.upstream.enabled:
        service = Unavailable(hall, db, None)
    else:
        try:
            service = Upstream(ctx.runtime, db, ctx.clock)
        except SecretError as e:
            # Ratings keep being recorded and wait in the log; the supervisor sees why.
            log.error("upstream: not delivering: %s", e)
            service = Unavailable(hall, db, str(e))
    if ctx.app is not None:
        from gateway.roles import install
        install(ctx.app, ctx.data_dir, supervisor=ctx.tokens.supervisor)
        ctx.app.include_router(router(service))
    return service
