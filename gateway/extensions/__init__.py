"""Gateway features, one module each: create(runtime, options) -> object with start()/stop(), or None.

`hallgw run` imports every module here, in order of its ORDER attribute (default 50,
lower first; the embedded MQTT broker uses 10 so it is up before its clients), starts
what create() returns, and stops them in reverse order on shutdown. Modules named in
the environment variable HALLGW_EXTRA_EXTENSIONS (comma-separated dotted names, e.g.
the hall simulator's page hil.hall.web) are started the same way.
"""
from __future__ import annotations

import importlib
import logging
import os
import pkgutil

log = logging.getLogger("hallgw.extensions")
DEFAULT_ORDER = 50


def discover(without: tuple[str, ...] = ()) -> list:
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in without or info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    for name in filter(None, (n.strip() for n in os.environ.get("HALLGW_EXTRA_EXTENSIONS", "").split(","))):
        if name.rsplit(".", 1)[-1] not in without:
            mods.append(importlib.import_module(name))
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", DEFAULT_ORDER), m.__name__))


def start_all(runtime, options: dict, without: tuple[str, ...] = ()) -> list[tuple[str, object]]:
    """Create and start each extension. One that fails is logged and left out, so the
    hall keeps issuing and calling tickets without (say) its speakers. Each started one is
    also in options["extensions"][name], for a later one that reads it (health, metrics)."""
    started: list[tuple[str, object]] = []
    running = options.setdefault("extensions", {})
    for mod in discover(without):
        name = mod.__name__.rsplit(".", 1)[-1]
        try:
            ext = mod.create(runtime, options)
            if ext is None:
                continue
            ext.start()
        except Exception:
            log.exception("extension %s failed to start; running without it", name)
            continue
        started.append((name, ext))
        running[name] = ext
    return started


def stop_all(started: list[tuple[str, object]]) -> None:
    for name, ext in reversed(started):
        try:
            ext.stop()
        except Exception:
            log.exception("extension %s failed to stop", name)
