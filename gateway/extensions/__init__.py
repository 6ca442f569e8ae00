"""Gateway features, one module each: create(ctx) -> object with start()/stop(), or None
(docs/EXTENSIONS.md says how to write one).

`hallgw run` hands each a typed, frozen Context (gateway/extensions/context.py). What one
extension gives another goes through ports it declares (NEEDS, WANTS, PROVIDES, LAST:
gateway/extensions/order.py), and the start order follows from those declarations; stopping
goes the other way. Modules named in the environment variable HALLGW_EXTRA_EXTENSIONS
(comma-separated dotted names, e.g. the hall simulator's page hil.hall.web) join them.
"""
from __future__ import annotations

import dataclasses
import importlib
import logging
import os
from collections.abc import Sequence
from types import MappingProxyType

from gateway.extensions.context import Context
from gateway.extensions.order import Declared, PlanError, declared, plan
from gateway.extensions.ports import Ports

__all__ = ["BUILT_IN", "Context", "PlanError", "discover", "ordered", "plan", "start_all", "stop_all"]
log = logging.getLogger("hallgw.extensions")

# Every extension of the gateway. The declarations decide the order; where they leave it open this
# list does (the status LED early, so it blinks "starting" while the others start; the clock before
# anything that stamps a command, so its first fact is logged first).
BUILT_IN = ("broker", "status_led", "clock", "devices", "attached", "announcer", "upstream", "pages", "kiosk",
            "clerk_console", "mirror", "screen", "county", "reports", "backup", "home", "observe")
EXTRA = "HALLGW_EXTRA_EXTENSIONS"


def _names() -> list[str]:
    extra = [n for n in (x.strip() for x in os.environ.get(EXTRA, "").split(",")) if n]
    return [f"{__name__}.{n}" for n in BUILT_IN] + extra


def discover(without: Sequence[str] = ()) -> list[Declared]:
    """The enabled extensions: the built-in ones, then HALLGW_EXTRA_EXTENSIONS, less --without
    (whose modules are not even imported)."""
    return [declared(importlib.import_module(n)) for n in _names() if n.rsplit(".", 1)[-1] not in without]


def ordered(without: Sequence[str] = ()) -> list[Declared]:
    """The enabled extensions in start order; PlanError (naming the extensions) when their
    declarations cannot be met."""
    def left_out() -> list[Declared]:
        return [declared(importlib.import_module(n)) for n in _names() if n.rsplit(".", 1)[-1] in without]
    return plan(discover(without), left_out)


def start_all(ctx: Context, order: Sequence[Declared]) -> list[tuple[str, object]]:
    """Create and start each extension, in order, with the ports it declared. One that fails is
    logged and left out, so the hall keeps issuing and calling tickets without (say) its
    speakers; one whose needed provider did not start is left out too, and says which."""
    started: list[tuple[str, object]] = []
    provided: dict[str, object] = {}
    provider = {port.name: d.name for d in order for port in d.provides or {}}
    for d in order:
        missing = [p for p in d.needs if p.name not in provided]
        if missing:
            p = missing[0]
            by = provider.get(p.name, "（无）")  # none only when the order was not planned
            log.error("扩展 %s 没有启动：它需要的%s（%s）由 %s 提供，而 %s 没有启动 "
                      "(extension %s not started: %s, its provider of %s, did not start)",
                      d.name, p.what, p.name, by, by, d.name, by, p.name)
            continue
        mine = Ports(d.name, frozenset(p.name for p in d.uses),
                     MappingProxyType({p.name: provided[p.name] for p in d.uses if p.name in provided}))
        try:
            ext = d.module.create(dataclasses.replace(ctx, ports=mine))
            if ext is None:
                continue
            ext.start()
        except Exception:
            log.exception("extension %s failed to start; running without it", d.name)
            continue
        try:
            provided.update(d.handed_over(ext))
        except Exception:
            log.exception("extension %s handed over a port of the wrong kind; running without it", d.name)
            _stop(d.name, ext)
            continue
        started.append((d.name, ext))
    return started


def stop_all(started: Sequence[tuple[str, object]]) -> None:
    for name, ext in reversed(started):
        _stop(name, ext)


def _stop(name: str, ext) -> None:
    try:
        ext.stop()
    except Exception:
        log.exception("extension %s failed to stop", name)
