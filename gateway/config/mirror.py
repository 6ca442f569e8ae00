"""[parent] and [mirror] of the hall file: the tiers (纵向三级联动).

A hall ships its committed records to its parent ([parent]); a parent takes the records
of its children ([mirror]): a township centre keeps them in SQLite and sends them on to
the county, the county stores every site in PostgreSQL.

```toml
[parent]                               # this hall ships its log up to …
id = "township-demo"                   # … the parent hall's id
host = "10.77.1.1"                     # the parent's broker (transport "direct")
port = 8883
transport = "direct"                   # "direct": the gateway's own MQTT client to the parent's broker;
                                       # "bridge": our Mosquitto bridges to it (`hallgw mosquitto-config`)
tls = true
ca_file = "/etc/hall/parent-ca.pem"    # the CA that signed the parent broker's certificate
username = "village-demo"              # the parent broker's login for this hall (default: the hall id)
password_file = "/etc/hall/parent.secret"
ratings_via_parent = false             # true: the county, not this hall, reports ratings to the province

[mirror]                               # this hall as a parent
children = [{ id = "village-demo", config = "village.toml" }]
database = "postgresql:///hall_county?host=/var/run/postgresql"   # the county's PostgreSQL (county only)
province = false                       # county: report the ratings of sites with ratings_via_parent
```
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PARENT_KEYS = ("id", "host", "port", "transport", "tls", "ca_file", "cert_file", "key_file", "username",
               "password_file", "window", "ack_timeout_seconds", "status_seconds", "ratings_via_parent")
MIRROR_KEYS = ("children", "database", "database_password_file", "broker_host", "broker_port", "province",
               "audit_seconds", "hall_files", "listen_host", "listen_port", "cert_file", "key_file")
CHILD_KEYS = ("id", "config", "password_file")
TRANSPORTS = ("direct", "bridge")
ID = r"[a-z0-9][a-z0-9_-]{0,31}"
HOST = r"[A-Za-z0-9.:-]{1,253}"


@dataclass(frozen=True)
class Parent:
    id: str
    host: str = "127.0.0.1"
    port: int = 1883
    transport: str = "direct"
    tls: bool = False
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    username: str = ""
    password_file: str = ""
    window: int = 2000  # records sent and not yet acknowledged, per stream
    ack_timeout_seconds: float = 10.0  # no progress this long with records in flight: send again
    status_seconds: float = 30.0  # how often the site's status (devices, upstream, lag) goes up
    ratings_via_parent: bool = False


@dataclass(frozen=True)
class Child:
    id: str
    config: str = ""  # the child's hall file, absolute (the county needs it to report its ratings)
    password_file: str = ""  # its login at our broker (mosquitto-config writes passwd and ACL)


@dataclass(frozen=True)
class Mirror:
    children: tuple[Child, ...] = ()
    database: str = ""  # PostgreSQL conninfo (county); empty: SQLite in the data dir (township)
    database_password_file: str = ""
    broker_host: str = ""  # where children's messages arrive; empty: the hall's own broker
    broker_port: int = 0
    province: bool = False
    audit_seconds: float = 600.0  # a rolling comparison of each site's log with our copy
    hall_files: tuple[str, ...] = ()  # hall files of the sites below the children (the county's reports)
    listen_host: str = "0.0.0.0"  # the broker's listener for the children's bridges (mosquitto-config)
    listen_port: int = 8883
    cert_file: str = ""  # its TLS certificate and key (none: plain MQTT, for a closed network only)
    key_file: str = ""

    @property
    def child_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.children)


def _path(source_dir: Path, v: str) -> str:
    return str(source_dir / v) if v and not Path(v).is_absolute() else v


def read_parent(r, doc: dict, source_dir: Path, hall_id: str | None, tier: str | None) -> Parent | None:
    p = "parent"
    if "parent" not in doc:
        return None
    t = r.table(doc, p, "")
    r.unknown(t, p, PARENT_KEYS)
    pid = r.string(t, "id", p, pattern=ID, what="a hall id (a-z, 0-9, '-', '_', up to 32)")
    if pid and pid == hall_id:
        r.error(f"{p}.id", "is this hall's own id: a hall cannot be its own parent")
    if tier == "county":
        r.error(p, "a county hall is the top of the tiers: it has no parent")
    transport = r.string(t, "transport", p, default="direct", choices=TRANSPORTS)
    host = r.string(t, "host", p, default="127.0.0.1", pattern=HOST, what="a host name or address")
    tls = r.boolean(t, "tls", p, default=False)
    files = {k: _path(source_dir, r.string(t, k, p, default="", max_len=400) or "")
             for k in ("ca_file", "cert_file", "key_file", "password_file")}
    if tls and not files["ca_file"]:
        r.error(f"{p}.ca_file", "missing: with tls = true the parent broker's certificate is checked against it")
    if bool(files["cert_file"]) != bool(files["key_file"]):
        r.error(f"{p}.key_file" if files["cert_file"] else f"{p}.cert_file",
                "cert_file and key_file go together (a client certificate and its key)")
    if transport == "direct" and host in ("0.0.0.0", "::"):
        r.error(f"{p}.host", f"{host} is a listening address, not the parent broker's")
    username = r.string(t, "username", p, default=hall_id or "", pattern=ID + "|", what="a broker user name")
    return Parent(id=pid or "", host=host or "127.0.0.1",
                  port=r.integer(t, "port", p, default=8883 if tls else 1883, lo=1, hi=65535),
                  transport=transport or "direct", tls=bool(tls), username=username or (hall_id or ""),
                  window=r.integer(t, "window", p, default=2000, lo=10, hi=100000),
                  ack_timeout_seconds=float(r.number(t, "ack_timeout_seconds", p, default=10, lo=0.2, hi=600)
                                            or 10),
                  status_seconds=float(r.number(t, "status_seconds", p, default=30, lo=0.5, hi=3600) or 30),
                  ratings_via_parent=bool(r.boolean(t, "ratings_via_parent", p, default=False)), **files)


def read_mirror(r, doc: dict, source_dir: Path, hall_id: str | None, tier: str | None) -> Mirror:
    p = "mirror"
    if "mirror" not in doc:
        return Mirror()
    t = r.table(doc, p, "")
    r.unknown(t, p, MIRROR_KEYS)
    if tier == "village":
        r.error(p, "a village station is the bottom of the tiers: it has no children")
    children, seen = [], {}
    for cp, ct in r.tables(t, "children", p, required=True):
        r.unknown(ct, cp, CHILD_KEYS)
        cid = r.string(ct, "id", cp, pattern=ID, what="a hall id (a-z, 0-9, '-', '_', up to 32)")
        if cid in seen:
            r.error(f"{cp}.id", f"duplicate child {cid!r} (first at {seen[cid]})")
        elif cid and cid == hall_id:
            r.error(f"{cp}.id", "is this hall's own id")
        seen.setdefault(cid, cp)
        cfg = _path(source_dir, r.string(ct, "config", cp, default="", max_len=400) or "")
        children.append(Child(id=cid or "", config=cfg,
                              password_file=_path(source_dir, r.string(ct, "password_file", cp, default="",
                                                                       max_len=400) or "")))
    database = r.string(t, "database", p, default="", max_len=400) or ""
    if database and not re.match(r"(postgres(ql)?://|host=|dbname=)", database):
        r.error(f"{p}.database", "must be a PostgreSQL connection string (postgresql://… or host=… dbname=…)")
    if tier == "county" and not database:
        r.error(f"{p}.database", "missing: the county stores every site's records in PostgreSQL")
    province = bool(r.boolean(t, "province", p, default=False))
    if province and tier != "county":
        r.error(f"{p}.province", "only the county may report its sites' ratings to the province")
    if province:
        for i, c in enumerate(children):
            if not c.config:
                r.error(f"{p}.children[{i}].config", "missing: the county builds the site's 好差评 records "
                                                      "from its hall file")
    tls = {k: _path(source_dir, r.string(t, k, p, default="", max_len=400) or "") for k in ("cert_file", "key_file")}
    if bool(tls["cert_file"]) != bool(tls["key_file"]):
        r.error(f"{p}.key_file" if tls["cert_file"] else f"{p}.cert_file", "cert_file and key_file go together")
    return Mirror(children=tuple(children), database=database,
                  database_password_file=_path(source_dir, r.string(t, "database_password_file", p, default="",
                                                                    max_len=400) or ""),
                  broker_host=r.string(t, "broker_host", p, default="", pattern=HOST + "|", what="a host") or "",
                  broker_port=r.integer(t, "broker_port", p, default=0, lo=0, hi=65535) or 0,
                  province=province,
                  hall_files=tuple(_path(source_dir, f) for f in r.strings(t, "hall_files", p, default=[])),
                  listen_host=r.string(t, "listen_host", p, default="0.0.0.0", pattern=HOST,
                                       what="a listening address") or "0.0.0.0",
                  listen_port=r.integer(t, "listen_port", p, default=8883, lo=1, hi=65535) or 8883,
                  **tls,
                  audit_seconds=float(r.number(t, "audit_seconds", p, default=600, lo=1, hi=86400) or 600))
