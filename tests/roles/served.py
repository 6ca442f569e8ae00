"""The app `hallgw run` serves, built in this process the way run.py builds it (create_app,
then every extension's create() in the planned order, with the ports its providers hand over),
but nothing started: no broker, no MQTT, no threads. A county hall with a child site and a county
database, so the tiers' and the county's routes are there too; each role's token written where
run.py reads it."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

from gateway import extensions
from gateway.api import create_app
from gateway.config import load_text
from gateway.extensions.context import Tokens
from gateway.extensions.ports import Ports
from gateway.roles.table import ROLES
from gateway.runtime import Runtime
from tests.mirror.tiers import hall_text, mirror_section
from tests.support.context import context

TOKENS = {"clerk": "clerk-token-of-the-test-hall", "supervisor": "supervisor-token-of-the-test-hall",
          "kiosk": "kiosk-token-of-the-test-hall", "screen": "screen-token-of-the-test-hall"}
TOKENS["county"] = TOKENS["supervisor"]  # the county page opens with the county gateway's supervisor token
NOWHERE = "postgresql://nobody@127.0.0.1:1/none"  # the county database: named, never reached here


def served(data_dir: Path):
    """(app, runtime, closing) of a county hall's gateway: set closing (the pages' streams end) and
    close the runtime after."""
    for role in ("clerk", "supervisor", "kiosk", "screen"):
        (data_dir / ROLES[role].file).write_text(TOKENS[role] + "\n")
    hall = load_text(hall_text("county-roles", "county", mirror_section(["town-roles"], NOWHERE)), "county-roles.toml")
    rt = Runtime(hall, data_dir)
    app = create_app(rt, TOKENS["clerk"], supervisor_token=TOKENS["supervisor"], kiosk_token=TOKENS["kiosk"])
    tokens = Tokens(**{r: TOKENS[r] for r in ("clerk", "supervisor", "kiosk", "screen")})
    ctx = context(rt, data_dir, app=app, tokens=tokens, http_port=8080, broker_host="127.0.0.1", broker_port=1)
    provided: dict = {}
    for d in extensions.ordered(()):  # as start_all, without start(): routes, not services
        mine = Ports(d.name, frozenset(p.name for p in d.uses),
                     MappingProxyType({p.name: provided[p.name] for p in d.uses if p.name in provided}))
        ext = d.module.create(dataclasses.replace(ctx, ports=mine))
        if ext is not None:
            provided.update(d.handed_over(ext))
    return app, rt, ctx.closing
