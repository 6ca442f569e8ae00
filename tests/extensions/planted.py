"""Extension modules made in a test: what they declare, and an object that records its start and stop."""
from __future__ import annotations

import types

from gateway.extensions.order import declared


class Part:
    """What a planted create() returns: it carries what it provides as .value."""

    def __init__(self, name: str, log: list, value=None, fail_start: bool = False):
        self.name, self.log, self.value, self.fail_start = name, log, value, fail_start

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(("start", self.name))

    def stop(self) -> None:
        self.log.append(("stop", self.name))


def module(name: str, create=None, **declarations) -> types.ModuleType:
    """A module gateway.extensions.<name> with create(ctx) and NEEDS / WANTS / PROVIDES / LAST."""
    m = types.ModuleType(f"gateway.extensions.{name}")
    m.create = create or (lambda ctx: None)  # type: ignore[attr-defined]
    for key, value in declarations.items():
        setattr(m, key.upper(), value)
    return m


def part(name: str, log: list, value=None, fail_start: bool = False, **declarations):
    """A declared module whose create(ctx) records the ports it got and returns a Part."""
    got: dict = {}

    def create(ctx):
        for p in declarations.get("needs", ()):
            got[p.name] = ctx.need(p)
        for p in declarations.get("wants", ()):
            got[p.name] = ctx.get(p)
        return Part(name, log, value, fail_start)
    d = declared(module(name, create, **declarations))
    return d, got
