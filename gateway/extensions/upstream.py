"""好差评 upstream as a gateway extension: every rating to the provincial platform,
exactly once, from the command log (gateway/upstream). Delivers only when the hall
file's [upstream] enabled = true; the routes are there either way, behind the
supervisor token: GET /api/v1/upstream, /api/v1/upstream/dead-letter,
POST /api/v1/upstream/retry.

options used: data_dir, app, clock, supervisor_token."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from gateway.runtime import DB_NAME

ORDER = 65
log = logging.getLogger(__name__)


def create(runtime, options: dict):
    from gateway.upstream.api import router
    from gateway.upstream.secret import SecretError
    from gateway.upstream.service import Unavailable, Upstream

    hall = runtime.hall
    data_dir = Path(options.get("data_dir") or "data")
    db = data_dir / DB_NAME
    if not hall.upstream.enabled:
        service = Unavailable(hall, db, None)
    else:
        try:
            service = Upstream(runtime, db, options.get("clock") or time.time)
        except SecretError as e:
            # Ratings keep being recorded and wait in the log; the supervisor sees why.
            log.error("upstream: not delivering: %s", e)
            service = Unavailable(hall, db, str(e))
    app = options.get("app")
    if app is not None:
        from gateway.roles import install, load_supervisor_token
        install(app, data_dir, supervisor=options.get("supervisor_token") or load_supervisor_token(data_dir)[0])
        app.include_router(router(service))
    return service
