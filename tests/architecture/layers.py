"""The layer order of the whole gateway, written down once: LAYERS, from the bottom.

A package (a folder under gateway/, or a module at its top such as gateway/runtime.py) may
import only packages of its own layer's floor or below: never one of a higher layer, and never
a sibling of its own layer unless SIBLINGS lists that pair with its reason. Every import
counts: at the top of a module or inside a function (a lazy import is still a dependency),
`import gateway.x`, `from gateway.x import …`, `from gateway import x`, relative imports, and
importlib.import_module / __import__ with a name that starts with a package's.

The engine is held to more: pure, it imports gateway.config, itself and the standard library's
pure modules (ENGINE_STDLIB) only, and reads no clock.

docs/ARCHITECTURE.md shows the same layers as a picture (picture() draws it; a test keeps the
two the same)."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layer:
    name: str
    packages: frozenset[str]
    what: str  # what lives here: where a new package of that kind goes


def _layer(name: str, packages: str, what: str) -> Layer:
    return Layer(name, frozenset(packages.split()), what)


LAYERS: list[Layer] = [  # from the bottom: layer 1 first
    _layer("base", "config secretfile latency disk",
           "the hall file and its checks, secrets on disk, the process's latency histograms, the disk under "
           "the stores (a write refused for space, free space)"),
    _layer("core", "engine store logins roles",
           "the pure queue engine, the command log (its one reader), the staff's hashed login codes, "
           "the roles' credentials (gateway/roles: one dependency per role)"),
    _layer("runtime", "runtime",
           "engine + store + login codes: submit, subscribe, read(view); every part above is handed one"),
    _layer("equipment", "display audio printer outbox backup clock",
           "one piece of equipment or one copy of the log each, knowing only the core: LED frames, "
           "voice, the kiosk printer, delivery from a cursor, backups, the hall's clock"),
    _layer("planes", "devices api",
           "the two ways in: the MQTT device plane, the HTTP API (credentials, action bodies, "
           "refusals in Chinese)"),
    _layer("on the planes", "pages upstream gpio attached",
           "the people's pages and their push hub, the province's 好差评 links, the Pi's own LED, "
           "equipment wired to the Pi"),
    _layer("the hall's services", "kiosk reports mirror observe",
           "the ticket kiosk, the supervisor's reports, the mirror to the parent tier, health and metrics"),
    _layer("between tiers", "county broker",
           "the county over its sites, the brokers and the bridge that carries the mirror"),
    _layer("assembly", "extensions provision install",
           "what `hallgw run` starts; the maintainer's set-up: flashing devices, systemd units"),
    _layer("commands", "commands", "the hallgw subcommands"),
    _layer("cli", "cli", "the hallgw entry point"),
]

# (importer, imported) -> why a package may import a sibling of its own layer. Empty today:
# list a pair only where moving the code would split one concern in two.
SIBLINGS: dict[tuple[str, str], str] = {}

# What the engine may import of the standard library: computation only, no I/O, no clock, no chance.
ENGINE_STDLIB: dict[str, str] = {
    "__future__": "annotations", "typing": "types", "dataclasses": "records", "enum": "names",
    "collections": "containers", "collections.abc": "container types", "heapq": "the waiting line",
    "bisect": "sorted lists", "itertools": "iteration", "functools": "iteration", "operator": "sort keys",
    "math": "arithmetic", "re": "checking a command's text", "hmac": "comparing codes in constant time",
    "datetime": "dates from a command's 'at' (never now())",
    "zoneinfo": "the hall's time zone, from the hall file",
}
CLOCK_READS = ("now", "utcnow", "today")
TOP = "gateway"


def number(package: str, layers: list[Layer] = LAYERS) -> int | None:
    """The layer a package is in, counted from 1 at the bottom (None: in none)."""
    for i, layer in enumerate(layers, 1):
        if package in layer.packages:
            return i
    return None


def packages(root: Path) -> dict[str, Path]:
    """The gateway's packages: each folder under gateway/ that holds Python, each module at its top."""
    top = root / TOP
    found = {p.stem: p for p in top.glob("*.py") if p.name != "__init__.py"}
    found |= {d.name: d for d in top.iterdir() if d.is_dir() and any(d.rglob("*.py"))}
    return dict(sorted(found.items()))


def package_of(rel: Path) -> str | None:
    """gateway/x/… -> x, gateway/x.py -> x, gateway/__init__.py -> None (below every layer)."""
    parts = rel.parts
    if len(parts) > 2:
        return parts[1]
    return None if parts[1] == "__init__.py" else Path(parts[1]).stem


def _dynamic_name(node: ast.Call) -> str | None:
    """The module name (or its fixed beginning) given to importlib.import_module / __import__."""
    f = node.func
    named = (isinstance(f, ast.Attribute) and f.attr == "import_module") or (
        isinstance(f, ast.Name) and f.id in ("import_module", "__import__"))
    if not named or not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        head = str(arg.values[0].value)
        return head.rsplit(".", 1)[0] if "." in head else None  # only the dotted part is fixed
    return None


def _named(node: ast.AST, here: list[str]) -> list[str]:
    """The modules an import statement names, a relative one resolved from the file's package
    (`here`); `from gateway import x` names gateway.x."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = here[:len(here) - node.level + 1] if node.level else []
    module = ".".join(base + (node.module.split(".") if node.module else []))
    return [f"{module}.{a.name}" for a in node.names] if module == TOP else [module]


def imports(path: Path, rel: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of the gateway in this file, wherever it stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(rel))
    here = list(rel.with_suffix("").parts[:-1])  # the file's own package, as the import system sees it
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        out += [(node.lineno, m) for m in _named(node, here)]
        if isinstance(node, ast.Call):
            name = _dynamic_name(node)
            if name:
                out.append((node.lineno, name))
    return [(line, m) for line, m in sorted(out) if m.startswith(TOP + ".")]


def violations(root: Path, layers: list[Layer] = LAYERS,
               siblings: dict[tuple[str, str], str] = SIBLINGS) -> list[str]:
    """Each import of root/gateway that runs against the order, as
    'gateway/x/file.py:LINE imports gateway.y (layer N above layer M)'. Packages in no layer are
    unplaced()'s business, not reported here."""
    out = []
    for path in sorted((root / TOP).rglob("*.py")):
        rel = path.relative_to(root)
        me = package_of(rel)
        mine = 0 if me is None else number(me, layers)
        if mine is None:
            continue
        for line, module in imports(path, rel):
            other = module.split(".")[1]
            theirs = number(other, layers)
            if other == me or theirs is None:
                continue
            if theirs > mine:
                out.append(f"{rel.as_posix()}:{line} imports {TOP}.{other} (layer {theirs} above layer {mine})")
            elif theirs == mine and (me, other) not in siblings:
                out.append(f"{rel.as_posix()}:{line} imports {TOP}.{other} (its sibling in layer {mine}, "
                           f"a pair SIBLINGS does not list)")
    return out


def unplaced(root: Path, layers: list[Layer] = LAYERS) -> list[str]:
    """Each package of root/gateway that is in no layer, each name in a layer of a package that is
    gone, each package in more than one layer."""
    have = packages(root)
    placed = {p for layer in layers for p in layer.packages}
    out = [f"{path.relative_to(root).as_posix()} is in no layer: add {name!r} to the lowest layer of LAYERS "
           f"(tests/architecture/layers.py) that lies above every gateway package it imports, and to the "
           f"picture in docs/ARCHITECTURE.md" for name, path in have.items() if name not in placed]
    out += [f"layer {number(name, layers)} names {name!r}, which gateway/ does not have: take it out of LAYERS"
            for name in sorted(placed - set(have))]
    for name in sorted(placed):
        where = [str(i) for i, layer in enumerate(layers, 1) if name in layer.packages]
        if len(where) > 1:
            out.append(f"{name!r} is in more than one layer: {' and '.join(where)}")
    return out


def engine_impurities(root: Path) -> list[str]:
    """What in root/gateway/engine is not pure: an import beyond gateway.config, the engine and
    ENGINE_STDLIB (sqlite3, socket, threading, asyncio, http, time, random, os, …), or a clock read
    (datetime's now(), utcnow(), today(): the modules with other clocks may not be imported at all)."""
    out: list[tuple[str, int, str]] = []
    for path in sorted((root / TOP / "engine").rglob("*.py")):
        rel = path.relative_to(root)
        here = list(rel.with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(rel))):
            for name in _named(node, here):
                if name.split(".")[:2] not in ([TOP, "config"], [TOP, "engine"]) and name not in ENGINE_STDLIB:
                    out.append((rel.as_posix(), node.lineno, f"imports {name}: the engine is pure (no I/O, "
                                f"no clock); it imports gateway.config, itself and ENGINE_STDLIB only"))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in CLOCK_READS and not (node.func.attr == "today" and node.args):
                out.append((rel.as_posix(), node.lineno, f"reads the clock ({ast.unparse(node.func)}()): "
                                                         f"time enters the engine only through a command's 'at'"))
    return [f"{where}:{line} {what}" for where, line, what in sorted(out)]


def picture(layers: list[Layer] = LAYERS) -> str:
    """The layers as docs/ARCHITECTURE.md draws them, the top first."""
    width = max(len(", ".join(sorted(layer.packages))) for layer in layers)
    label = max(len(layer.name) for layer in layers)
    rule = "─" * (width + 2)
    rows = [f"{'':>{label + 5}}┌{rule}┐"]
    for i, layer in reversed(list(enumerate(layers, 1))):
        rows.append(f"{i:>2}  {layer.name:<{label}} │ {', '.join(sorted(layer.packages)):<{width}} │")
    rows.append(f"{'':>{label + 5}}└{rule}┘")
    return "\n".join(rows)
