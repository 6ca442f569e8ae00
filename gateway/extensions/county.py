"""The county's view of its sites as a gateway extension (gateway/county): at a county
hall with [mirror] database, the sites' records in PostgreSQL folded into every site's
live picture and reports, the county hall's own log stored beside them, the dashboard
at /county. `hallgw county run` starts a gateway with it. It listens to the mirror's hub
(MIRROR_HUB) when the county has one, so a site's records show as they are stored."""
from __future__ import annotations

import logging

from gateway.extensions.context import Context
from gateway.extensions.ports import MIRROR_HUB
from gateway.runtime import DB_NAME

WANTS = (MIRROR_HUB,)
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


def create(ctx: Context):
    hall = ctx.hall
    if hall.tier != "county" or not hall.mirror.database:
        return None
    from gateway.county.api import mount
    from gateway.county.service import County
    from gateway.extensions.mirror import open_store

    data_dir = ctx.data_dir
    adapter = None
    if hall.mirror.province:  # the county reports its sites' ratings: its own adapter and secret
        from gateway.upstream import adapters
        from gateway.upstream.secret import read_secret
        adapter = adapters.make(hall.upstream, read_secret(hall.upstream.secret_file))
    county = County(hall, open_store(hall, data_dir), data_dir, site_halls(hall), ctx.clock,
                    own_log=data_dir / DB_NAME, adapter=adapter)
    hub = ctx.get(MIRROR_HUB)
    if hub is not None:
        hub.listeners.append(county.poke)
    ctx.runtime.subscribe(county.poke)
    if ctx.app is not None:
        from gateway.roles import install
        # The county page is opened with the county gateway's supervisor token; its cookie is its own.
        install(ctx.app, data_dir, county=ctx.tokens.supervisor)
        mount(ctx.app, county, ctx.closing)
    return county
