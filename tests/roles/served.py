"""The app `hallgw run` serves, built in this process the way run.py builds it (create_app,
then every extension's create() with the same options), but nothing started: no broker, no
MQTT, no threads. A county hall with a child site and a county database, so the tiers' and
the county's routes are there too; each role's token written where run.py reads it."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from gateway import extensions
from gateway.api import create_app
from gateway.config import load_text
from gateway.roles.table import ROLES
from gateway.runtime import Runtime
from tests.mirror.tiers import hall_text, mirror_section

TOKENS = {"clerk": "clerk-token-of-the-test-hall", "supervisor": "supervisor-token-of-the-test-hall",
          "kiosk": "kiosk-token-of-the-test-hall", "screen": "screen-token-of-the-test-hall"}
TOKENS["county"] = TOKENS["supervisor"]  # the county page opens with the county gateway's supervisor token
NOWHERE = "postgresql://nobody@127.0.0.1:1/none"  # the county database: named, never reached here


def served(data_dir: Path):
    """(app, runtime, options) of a county hall's gateway; close the runtime after."""
    for role in ("clerk", "supervisor", "kiosk", "screen"):
        (data_dir / ROLES[role].file).write_text(TOKENS[role] + "\n")
    hall = load_text(hall_text("county-roles", "county", mirror_section(["town-roles"], NOWHERE)), "county-roles.toml")
    rt = Runtime(hall, data_dir)
    app = create_app(rt, TOKENS["clerk"], supervisor_token=TOKENS["supervisor"], kiosk_token=TOKENS["kiosk"])
    options = {"config_path": "county-roles.toml", "data_dir": str(data_dir), "http_port": 8080,
               "broker_host": "127.0.0.1", "broker_port": 1, "app": app, "hall": hall, "clock": time.time,
               "supervisor_token": TOKENS["supervisor"], "kiosk_token": TOKENS["kiosk"],
               "closing": threading.Event(), "extensions": {}}
    for mod in extensions.discover():
        ext = mod.create(rt, options)  # as start_all, without start(): routes, not services
        if ext is not None:
            options["extensions"][mod.__name__.rsplit(".", 1)[-1]] = ext
    return app, rt, options
