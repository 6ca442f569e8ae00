"""The engine's one read door, checked in the source: outside gateway/engine nothing looks into
the engine; it is read through gateway/engine/reads.py only.

How the engine is recognised: the views that `runtime.read(view)` runs (and the pages' hub
`snapshot(view)` and `render(name, select, view)`) take it as their parameter, and one name
carries it into every helper they call: `eng` (or `engine`; `_eng` where it goes unused). For
every module under gateway/ but gateway/engine:

  view     a view given to .read / .snapshot / .render names its parameter so (a lambda, or a
           function this tree defines);
  name     a call that hands the engine to a function of this tree finds the parameter named so;
  looks    on such a name no attribute is read but ALLOWED (nor through getattr, hasattr, vars);
  door     the engine goes to no function of gateway.engine but gateway.engine.reads's;
  runtime  only the runtime (OWNER) reaches `.engine`: every other part reads under its lock.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ENGINE_NAMES = frozenset({"eng", "engine", "_eng"})
# Attributes anybody may read on the engine, and why.
ALLOWED = {"hall": "the hall file the engine was made from: frozen configuration, not state",
           "cal": "the hall's calendar (opening hours, working days), made from the hall file",
           "handle": "commands in, not a read (which parts may send them is the command log's door)"}
OWNER = "gateway/runtime.py"  # builds, restores, commands and snapshots the engine; runs the views
DOOR = "gateway.engine.reads"
# method -> (the number of positional arguments it takes, the view's place among them)
VIEW_TAKERS = {"read": (1, 0), "snapshot": (1, 0), "render": (3, 2)}
LOOKERS = ("getattr", "hasattr", "vars", "setattr", "delattr")


@dataclass(frozen=True)
class Func:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    method: bool  # its first parameter is self

    def param(self, i: int) -> str | None:
        a = self.node.args
        params = [p.arg for p in a.posonlyargs + a.args][1 if self.method else 0:]
        return params[i] if i < len(params) else None


def module_name(rel: Path) -> str:
    parts = list(rel.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def local_defs(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Functions and classes defined in these statements (not inside deeper functions or classes)."""
    out: dict[str, ast.AST] = {}
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out[node.name] = node
        else:
            todo.extend(ast.iter_child_nodes(node))
    return out


class Tree:
    """The modules under root/gateway, parsed once, with their top-level definitions."""

    def __init__(self, root: Path):
        self.root = root
        self.modules: dict[str, tuple[Path, ast.Module]] = {}
        for path in sorted((root / "gateway").rglob("*.py")):
            rel = path.relative_to(root)
            self.modules[module_name(rel)] = (rel, ast.parse(path.read_text(encoding="utf-8"), str(rel)))
        self.tops = {m: local_defs(tree.body) for m, (_, tree) in self.modules.items()}

    def function(self, module: str, name: str) -> Func | None:
        node = self.tops.get(module, {}).get(name)
        return Func(node, False) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def imports(tree: ast.Module, tree_modules) -> dict[str, tuple[str, str | None]]:
    """alias -> (module, None) for a module, (module, name) for a name imported from one."""
    out: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = (a.name if a.asname else a.name.split(".")[0], None)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                is_module = full in tree_modules or full == DOOR
                out[a.asname or a.name] = (full, None) if is_module else (node.module, a.name)
    return out


class Checker(ast.NodeVisitor):
    def __init__(self, tree: Tree, module: str):
        self.tree, self.module = tree, module
        self.rel, node = tree.modules[module]
        self.where = self.rel.as_posix()
        self.imports = imports(node, tree.modules)
        self.scopes: list[dict[str, ast.AST]] = [tree.tops[module]]
        self.classes: list[ast.ClassDef | None] = [None]
        self.found: list[str] = []

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.where}:{node.lineno}: {what}")

    # -- scopes: nested functions and the class a method belongs to ---------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node) -> None:
        self.scopes.append(local_defs(node.body))
        self.classes.append(self.classes[-1] if self._is_method(node) else None)
        self.generic_visit(node)
        self.classes.pop()
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _is_method(self, node) -> bool:
        cls = self.classes[-1]
        return cls is not None and node in cls.body

    def resolve(self, func: ast.expr) -> tuple[str, str | None, Func | None]:
        """(module, name, the function if this tree defines it) of a callee; ("", …) if unknown."""
        if isinstance(func, ast.Lambda):
            return self.module, None, Func(func, False)
        if isinstance(func, ast.Name):
            for scope in reversed(self.scopes):
                node = scope.get(func.id)
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    return self.module, func.id, Func(node, False)
            module, name = self.imports.get(func.id, ("", None))
            return module, name, self.tree.function(module, name) if name else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id == "self" and self.classes[-1] is not None:
                for node in self.classes[-1].body:
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == func.attr:
                        return self.module, func.attr, Func(node, True)
                return "", None, None
            module, name = self.imports.get(func.value.id, ("", None))
            if module and name is None:
                return module, func.attr, self.tree.function(module, func.attr)
        return "", None, None

    # -- the rules --------------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if engine_name(node.value) and node.attr not in ALLOWED:
            self.report(node, f"looks into the engine: .{node.attr} (read it through {DOOR})")
        if node.attr == "engine":
            self.report(node, "reaches the runtime's engine: read it with runtime.read(view) and " + DOOR)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        if isinstance(f, ast.Name) and f.id in LOOKERS and node.args and engine_name(node.args[0]):
            name = node.args[1].value if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) else None
            if f.id in ("vars", "setattr", "delattr") or name not in ALLOWED:
                self.report(node, f"looks into the engine: {f.id}(…{', ' + repr(name) if name else ''})")
        if isinstance(f, ast.Name) and f.id in ("getattr", "hasattr") and len(node.args) > 1 \
                and isinstance(node.args[1], ast.Constant) and node.args[1].value == "engine":
            self.report(node, "reaches the runtime's engine: read it with runtime.read(view) and " + DOOR)
        if isinstance(f, ast.Attribute) and f.attr in VIEW_TAKERS and len(node.args) == VIEW_TAKERS[f.attr][0]:
            self._view(node.args[VIEW_TAKERS[f.attr][1]], f.attr)
        handed = [(i, a) for i, a in enumerate(node.args) if engine_name(a)]
        handed_kw = [k for k in node.keywords if engine_name(k.value)]
        if handed or handed_kw:
            self._handed(node, handed, handed_kw)
        self.generic_visit(node)

    def _view(self, view: ast.expr, taker: str) -> None:
        _, name, fn = self.resolve(view)
        if fn is None:
            return  # a view handed in from elsewhere: checked where it is made
        first = fn.param(0)
        if first is not None and first not in ENGINE_NAMES:
            what = "a lambda" if name is None else name
            self.report(view, f"the view {what} given to .{taker} names the engine {first!r}, not one of "
                              f"{', '.join(sorted(ENGINE_NAMES))}")

    def _handed(self, node: ast.Call, handed, handed_kw) -> None:
        module, name, fn = self.resolve(node.func)
        if module.startswith("gateway.engine") and module != DOOR:
            self.report(node, f"hands the engine to {module}.{name or '?'}: read it through {DOOR}")
            return
        if fn is None or isinstance(fn.node, ast.Lambda):
            return
        for i, arg in handed:
            p = fn.param(i)
            if p is not None and p not in ENGINE_NAMES:
                self.report(arg, f"hands the engine to {name}() as {p!r}: call that parameter "
                                 f"{' or '.join(sorted(ENGINE_NAMES))}")
        for k in handed_kw:
            if k.arg is not None and k.arg not in ENGINE_NAMES:
                self.report(k.value, f"hands the engine to {name}() as {k.arg!r}: call that parameter "
                                     f"{' or '.join(sorted(ENGINE_NAMES))}")


def engine_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in ENGINE_NAMES


def violations(root: Path) -> list[str]:
    """Every place under root/gateway (outside gateway/engine) that reads the engine but through the door."""
    tree = Tree(root)
    found: list[str] = []
    for module, (rel, node) in tree.modules.items():
        if module == "gateway.engine" or module.startswith("gateway.engine.") or rel.as_posix() == OWNER:
            continue
        c = Checker(tree, module)
        c.visit(node)
        found += c.found
    return found
