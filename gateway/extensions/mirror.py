"""The tiers as a gateway extension (gateway/mirror): a hall with [parent] ships its log
(and a township its villages' logs) up; a hall with [mirror] children takes theirs:
a township into data/mirror.db, the county into PostgreSQL. Routes: GET /api/v1/mirror
(supervisor), /api/v1/relays (clerks, 帮办代办). The hub that takes the children's logs is the
MIRROR_HUB port (the county's view listens to it)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.extensions.context import Context
from gateway.extensions.devices import credentials_file, gateway_credentials
from gateway.extensions.ports import BROKER_CREDENTIALS, MIRROR_HUB
from gateway.runtime import DB_NAME

if TYPE_CHECKING:
    from gateway.config.mirror import Parent

WANTS = (BROKER_CREDENTIALS,)
PROVIDES = {MIRROR_HUB: lambda mirror: mirror.hub}
SITES_DB = "mirror.db"
log = logging.getLogger(__name__)


def _secret(path: str) -> str:
    if not path:
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def local_endpoint(ctx: Context, host: str = "", port: int = 0):
    from gateway.mirror.mqtt import Endpoint
    user, password = gateway_credentials(credentials_file(ctx))
    return Endpoint(host or ctx.broker_host, int(port or ctx.broker_port), user or "", password or "")


def parent_endpoint(ctx: Context, p: Parent):
    from gateway.mirror.mqtt import Endpoint
    hall = ctx.hall
    if p.transport == "bridge":  # our Mosquitto carries it to the parent (mosquitto-config writes the bridge):
        # the broker of the tiers ([mirror] broker_host at a township), else the hall's own
        return local_endpoint(ctx, hall.mirror.broker_host, hall.mirror.broker_port)
    return Endpoint(p.host, p.port, p.username, _secret(p.password_file), p.tls, p.ca_file, p.cert_file, p.key_file)


def open_store(hall, data_dir: Path):
    """The sites' store: PostgreSQL at the county ([mirror] database), SQLite elsewhere."""
    m = hall.mirror
    if m.database:
        from gateway.mirror.pgstore import PgSites, conninfo
        return lambda: PgSites(conninfo(m.database, m.database_password_file))
    from gateway.mirror.sitestore import SqliteSites
    return lambda: SqliteSites(data_dir / SITES_DB)


def create(ctx: Context):
    hall = ctx.hall
    if hall.parent is None and not hall.mirror.children:
        return None
    from gateway.mirror.api import router
    from gateway.mirror.hub import Hub
    from gateway.mirror.shipper import Shipper
    from gateway.mirror.status import collector

    runtime, data_dir, clock = ctx.runtime, ctx.data_dir, ctx.clock
    db = data_dir / DB_NAME
    shipper = hub = None
    stores = open_store(hall, data_dir)
    if hall.parent is not None:
        sites_db = data_dir / SITES_DB if hall.mirror.children and not hall.mirror.database else None
        shipper = Shipper(runtime, db, parent_endpoint(ctx, hall.parent), clock, sites_db,
                          collector(hall, db, ctx.settings.http_port))
    if hall.mirror.children:
        m = hall.mirror
        hub = Hub(runtime, db, local_endpoint(ctx, m.broker_host, m.broker_port), stores, clock,
                  on_stored=shipper.poke if shipper else None)
    ext = Mirror(runtime, shipper, hub, stores)
    if ctx.app is not None:
        from gateway.roles import install
        install(ctx.app, data_dir, clerk=ctx.tokens.clerk, supervisor=ctx.tokens.supervisor)
        ctx.app.include_router(router(runtime, clock, ext.describe, ctx.closing))
    return ext


class Mirror:
    def __init__(self, runtime, shipper, hub, stores):
        self.runtime, self.shipper, self.hub, self.stores = runtime, shipper, hub, stores

    def start(self) -> None:
        for part in (self.hub, self.shipper):
            if part is not None:
                self.runtime.subscribe(part.poke)
                part.start()

    def stop(self) -> None:
        for part in (self.shipper, self.hub):
            if part is not None:
                part.stop()

    def describe(self) -> dict:
        out = {"hall": self.runtime.hall.id, "parent": self.shipper.describe() if self.shipper else None,
               "hub": self.hub.describe() if self.hub else None}
        if self.hub is not None:
            store = self.stores()
            try:
                out["sites"], out["findings"] = store.sites(), store.findings()
            finally:
                store.close()
        return out
