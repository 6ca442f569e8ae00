"""The county's view of its sites as a gateway extension (gateway/county): at a county
hall with [mirror] database, the sites' records in PostgreSQL folded into every site's
live picture and reports, the county hall's own log stored beside them, the dashboard
at /county. `hallgw county run` starts a gateway with it.

options used: app, data_dir, clock, supervisor_token, closing, mirror (the hub's extension)."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from gateway.runtime import DB_NAME

ORDER = 72
log = logging.getLogger(__name__)


def site_halls(hall) -> dict:
    """The hall files the county holds: its own, its children's and [mirror] hall_files."""
    from gateway.config import ConfigError, load_file
    out = {hall.id: hall}
    for path in [c.config for c in hall.mirror.children if c.config] + list(hall.mirror.hall_files):
        try:
            h = load_file(path)
        except ConfigError as e:
            log.error("county: %s: no reports for that site", "; ".join(e.lines()))
            continue
        out[h.id] = h
    return out


def create(runtime, options: dict):
    hall = runtime.hall
    if hall.tier != "county" or not hall.mirror.database:
        return None
    from gateway.county.api import mount
    from gateway.county.service import County
    from gateway.extensions.mirror import open_store

    data_dir = Path(options.get("data_dir") or "data")
    adapter = None
    if hall.mirror.province:  # the county reports its sites' ratings: its own adapter and secret
        from gateway.upstream import adapters
        from gateway.upstream.secret import read_secret
        adapter = adapters.make(hall.upstream, read_secret(hall.upstream.secret_file))
    county = County(hall, open_store(hall, data_dir), data_dir, site_halls(hall), options.get("clock") or time.time,
                    own_log=data_dir / DB_NAME, adapter=adapter)
    mirror = options.get("mirror")
    if mirror is not None and mirror.hub is not None:
        mirror.hub.listeners.append(county.poke)
    runtime.subscribe(county.poke)
    app = options.get("app")
    if app is not None:
        from gateway.roles import install, load_supervisor_token
        # The county page is opened with the county gateway's supervisor token; its cookie is its own.
        install(app, data_dir, county=options.get("supervisor_token") or load_supervisor_token(data_dir)[0])
        mount(app, county, options.get("closing") or threading.Event())
    return county
