"""The start order that follows from what the extensions declare (docs/EXTENSIONS.md).

Each extension module may declare, beside its create(ctx):

    NEEDS = (PUSH_HUB,)                        started after the provider; no provider: no start
    WANTS = (DEVICE_PLANE,)                    started after the provider, when there is one
    PROVIDES = {PRINTER: lambda kiosk: kiosk.monitor}   what others may use: each port, and how it
                                               is taken from what create() returned (None: not now)
    LAST = True                                started after every extension that does not say so

plan() puts the enabled extensions in an order where every provider comes before those that need
or want its ports (a topological order; the list's own order only breaks ties) and refuses, naming
the extensions, a port provided twice, a need that no enabled extension provides, and a circle.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from gateway.extensions.ports import Port


class PlanError(Exception):
    """The extensions' declarations cannot be met: the gateway does not start."""


@dataclass(frozen=True)
class Declared:
    """One extension module and what it declares."""
    name: str                     # the module's own name, as --without takes it: screen
    module: ModuleType
    needs: tuple[Port[Any], ...] = ()
    wants: tuple[Port[Any], ...] = ()
    provides: Mapping[Port[Any], Callable[[Any], object]] | None = None
    last: bool = False

    @property
    def uses(self) -> tuple[Port[Any], ...]:
        return self.needs + self.wants

    def handed_over(self, ext: object) -> dict[str, object]:
        """What the started extension provides, each checked against its port's type."""
        out = {}
        for port, take in (self.provides or {}).items():
            value = take(ext)
            if value is None:
                continue  # not this time (a township without children has no mirror hub)
            if not port.holds(value):
                raise TypeError(f"扩展 {self.name} 提供的 {port.name} 不是 {' 或 '.join(port.kinds)} "
                                f"(extension {self.name} provides {port.name} as {type(value).__name__})")
            out[port.name] = value
        return out


def declared(module: ModuleType) -> Declared:
    """Read and check a module's declarations."""
    name = module.__name__.rsplit(".", 1)[-1]

    def ports(attr: str) -> tuple[Port[Any], ...]:
        got = getattr(module, attr, ())
        if not isinstance(got, tuple | list) or not all(isinstance(p, Port) for p in got):
            raise PlanError(f"扩展 {name}：{attr} 应是端口的元组，如 (PUSH_HUB,) "
                            f"(extension {name}: {attr} must be a tuple of ports from gateway/extensions/ports.py)")
        return tuple(got)

    provides = getattr(module, "PROVIDES", {})
    if not isinstance(provides, Mapping) or not all(isinstance(p, Port) and callable(f) for p, f in provides.items()):
        raise PlanError(f"扩展 {name}：PROVIDES 应是 {{端口: 取值函数}}，如 {{PRINTER: lambda kiosk: kiosk.monitor}} "
                        f"(extension {name}: PROVIDES must map each port to how it is taken from create()'s result)")
    if not callable(getattr(module, "create", None)):
        raise PlanError(f"扩展 {name} 没有 create(ctx) (extension {name} has no create(ctx))")
    return Declared(name, module, ports("NEEDS"), ports("WANTS"), dict(provides), bool(getattr(module, "LAST", False)))


def plan(enabled: Sequence[Declared], left_out: Callable[[], Sequence[Declared]] = tuple) -> list[Declared]:
    """The enabled extensions in start order. left_out() gives those there but not enabled
    (--without), looked at only to name the one that would have provided a need."""
    providers: dict[str, Declared] = {}
    for d in enabled:
        for port in d.provides or {}:
            other = providers.get(port.name)
            if other is not None:
                raise PlanError(f"扩展 {other.name} 和 {d.name} 都提供{port.what}（{port.name}），只能有一个 "
                                f"(extensions {other.name} and {d.name} both provide {port.name}: one may)")
            providers[port.name] = d
    for d in enabled:
        for port in d.needs:
            if port.name not in providers:
                raise PlanError(_unprovided([u.name for u in enabled if port in u.needs], port, left_out))

    # Edges: provider -> user (labelled with the port), and every other -> each LAST one.
    after: dict[str, list[tuple[str, Port[Any] | None]]] = {d.name: [] for d in enabled}
    for d in enabled:
        for port in d.uses:
            p = providers.get(port.name)
            if p is not None:
                after[d.name].append((p.name, port))
        if d.last:
            after[d.name] += [(o.name, None) for o in enabled if not o.last]

    rank = {d.name: i for i, d in enumerate(enabled)}
    by_name = {d.name: d for d in enabled}
    done: set[str] = set()
    order: list[Declared] = []
    while len(order) < len(enabled):
        ready = [n for n in by_name if n not in done and all(p in done for p, _ in after[n])]
        if not ready:
            raise PlanError(_circle({n: e for n, e in after.items() if n not in done}))
        first = min(ready, key=rank.__getitem__)  # the list's order breaks ties
        done.add(first)
        order.append(by_name[first])
    return order


def _unprovided(users: list[str], port: Port[Any], left_out: Callable[[], Sequence[Declared]]) -> str:
    zh = "、".join(users)
    en = f"extension {users[0]} needs" if len(users) == 1 else f"extensions {', '.join(users)} need"
    off = [o.name for o in left_out() if port in (o.provides or {})]
    if off:
        return (f"扩展 {zh} 需要{port.what}（{port.name}），它由扩展 {off[0]} 提供，而 {off[0]} 没有启用："
                f"请去掉 --without {off[0]}，或把 {zh} 也关掉 "
                f"({en} {port.name}, which {off[0]} provides, and {off[0]} is left out)")
    return (f"扩展 {zh} 需要{port.what}（{port.name}），但没有哪个扩展提供它 "
            f"({en} {port.name}, which no extension provides)")


def _circle(after: dict[str, list[tuple[str, Port[Any] | None]]]) -> str:
    """Name one circle among what is left: each of them waits for another of them."""
    path: list[tuple[str, str, Port[Any] | None]] = []  # (user, provider, port)
    seen: dict[str, int] = {}
    node = next(iter(after))
    while node not in seen:
        seen[node] = len(path)
        provider, port = next((p, port) for p, port in after[node] if p in after)
        path.append((node, provider, port))
        node = provider
    loop = path[seen[node]:]
    zh = "，".join(f"{u} 要在 {p} 之后启动（{port.name if port else 'LAST'}）" for u, p, port in loop)
    en = ", ".join(f"{u} after {p} ({port.name if port else 'LAST'})" for u, p, port in loop)
    return f"扩展之间的依赖成了环：{zh} (the extensions wait for each other in a circle: {en})"
