"""The tiers as a gateway extension (gateway/mirror): a hall with [parent] ships its log
(and a township its villages' logs) up; a hall with [mirror] children takes theirs:
a township into data/mirror.db, the county into PostgreSQL. Routes: GET /api/v1/mirror
(supervisor), /api/v1/relays (clerks, 帮办代办).

options used: data_dir, broker_host, broker_port, mqtt_credentials, http_port, app, clock,
supervisor_token."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from gateway.runtime import DB_NAME

ORDER = 70
SITES_DB = "mirror.db"
log = logging.getLogger(__name__)


def _secret(path: str) -> str:
    if not path:
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def local_endpoint(hall, options: dict, host: str = "", port: int = 0):
    from gateway.extensions.devices import gateway_credentials
    from gateway.mirror.mqtt import Endpoint
    user, password = gateway_credentials(options)
    return Endpoint(host or options.get("broker_host") or hall.broker.host,
                    int(port or options.get("broker_port") or hall.broker.port), user or "", password or "")


def parent_endpoint(hall, options: dict):
    from gateway.mirror.mqtt import Endpoint
    p = hall.parent
    if p.transport == "bridge":  # our Mosquitto carries it to the parent (mosquitto-config writes the bridge):
        # the broker of the tiers ([mirror] broker_host at a township), else the hall's own
        return local_endpoint(hall, options, hall.mirror.broker_host, hall.mirror.broker_port)
    return Endpoint(p.host, p.port, p.username, _secret(p.password_file), p.tls, p.ca_file, p.cert_file, p.key_file)


def open_store(hall, data_dir: Path):
    """The sites' store: PostgreSQL at the county ([mirror] database), SQLite elsewhere."""
    m = hall.mirror
    if m.database:
        from gateway.mirror.pgstore import PgSites, conninfo
        return lambda: PgSites(conninfo(m.database, m.database_password_file))
    from gateway.mirror.sitestore import SqliteSites
    return lambda: SqliteSites(data_dir / SITES_DB)


def create(runtime, options: dict):
    hall = runtime.hall
    if hall.parent is None and not hall.mirror.children:
        return None
    from gateway.mirror.api import router
    from gateway.mirror.hub import Hub
    from gateway.mirror.shipper import Shipper
    from gateway.mirror.status import collector

    data_dir = Path(options.get("data_dir") or "data")
    db = data_dir / DB_NAME
    clock = options.get("clock") or time.time
    shipper = hub = None
    stores = open_store(hall, data_dir)
    if hall.parent is not None:
        sites_db = data_dir / SITES_DB if hall.mirror.children and not hall.mirror.database else None
        shipper = Shipper(runtime, db, parent_endpoint(hall, options), clock, sites_db,
                          collector(hall, db, options.get("http_port")))
    if hall.mirror.children:
        m = hall.mirror
        hub = Hub(runtime, db, local_endpoint(hall, options, m.broker_host, m.broker_port), stores, clock,
                  on_stored=shipper.poke if shipper else None)
    ext = Mirror(runtime, shipper, hub, stores)
    options["mirror"] = ext  # the county's view listens to the hub
    app = options.get("app")
    if app is not None:
        from gateway.roles import install, load_supervisor_token, load_token
        install(app, data_dir, clerk=load_token(data_dir)[0],
                supervisor=options.get("supervisor_token") or load_supervisor_token(data_dir)[0])
        app.include_router(router(runtime, clock, ext.describe, options.get("closing")))
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
