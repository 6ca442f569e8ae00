"""The layers import downwards only (tests/architecture/layers.py writes the order down once):
the hall file's loader (gateway/config) knows nothing of the parts that use a hall, the engine is
pure, no package imports one of a higher layer. The command log has one door: only gateway/store
names the log's tables in SQL or touches a store's connection. The engine's state has one read
door: gateway/engine/reads.py (tests/architecture/engine_door.py)."""
import ast
import re
import shutil
import subprocess
import sys

import pytest

from tests.architecture import engine_door, layers
from tests.support import ROOT


def _copy_gateway(tmp_path):
    shutil.copytree(ROOT / "gateway", tmp_path / "gateway",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "vendor", "*.pyc"))


def _plant(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


# -- the layer order of the whole gateway ---------------------------------------------------------

def test_no_package_imports_one_of_a_higher_layer():
    assert layers.violations(ROOT) == [], "the layers, from the top:\n" + layers.picture()


def test_every_gateway_package_has_its_layer():
    assert layers.unplaced(ROOT) == []


def test_config_imports_nothing_of_the_gateway_but_itself():
    bad = [f"{p.relative_to(ROOT)}:{line} {m}" for p in sorted((ROOT / "gateway" / "config").rglob("*.py"))
           for line, m in layers.imports(p, p.relative_to(ROOT)) if not m.startswith("gateway.config")]
    assert bad == []


def test_a_planted_violation_is_found_in_each_way_of_importing(tmp_path):
    _copy_gateway(tmp_path)
    assert layers.violations(tmp_path) == [] and layers.unplaced(tmp_path) == []  # a clean copy
    _plant(tmp_path, {
        "gateway/engine/shortcut.py": (                     # lazy, inside a function
            '"""Refuses in Chinese the quick way."""\n'
            "from gateway.config import Hall\n"
            "\n"
            "\n"
            "def said(hall: Hall, refusal: str) -> str:\n"
            "    from gateway.api.refusals import chinese\n"
            "    return chinese(refusal, hall)\n"),
        "gateway/store/peek.py": "from gateway import runtime\n",              # the package by name
        "gateway/devices/words.py": "from ..pages import sse\n",               # relative
        "gateway/config/plugins.py": (                                          # by name, at run time
            "import importlib\n"
            "\n"
            "\n"
            "def load(name):\n"
            '    return importlib.import_module(f"gateway.extensions.{name}")\n'),
        "gateway/kiosk/figures.py": "import gateway.reports.figures as rf\n",  # a sibling
    })
    n = layers.number
    assert layers.violations(tmp_path) == [
        f"gateway/config/plugins.py:5 imports gateway.extensions (layer {n('extensions')} above layer {n('config')})",
        f"gateway/devices/words.py:1 imports gateway.pages (layer {n('pages')} above layer {n('devices')})",
        f"gateway/engine/shortcut.py:6 imports gateway.api (layer {n('api')} above layer {n('engine')})",
        f"gateway/kiosk/figures.py:1 imports gateway.reports (its sibling in layer {n('kiosk')}, "
        "a pair SIBLINGS does not list)",
        f"gateway/store/peek.py:1 imports gateway.runtime (layer {n('runtime')} above layer {n('store')})"]
    assert n("kiosk") == n("reports")
    # A sibling pair listed with its reason is let through; the rest still are not.
    listed = layers.violations(tmp_path, siblings={("kiosk", "reports"): "the kiosk shows today's figures"})
    assert len(listed) == 4 and not any("kiosk/figures.py" in v for v in listed)


def test_a_package_without_a_layer_is_named_with_where_to_add_it(tmp_path):
    _copy_gateway(tmp_path)
    _plant(tmp_path, {"gateway/idcard/__init__.py": '"""The ID card reader."""\n',
                      "gateway/idcard/reader.py": "from gateway.engine import reads\n",
                      "gateway/watchdog.py": "import time\n"})
    shutil.rmtree(tmp_path / "gateway" / "gpio")
    found = layers.unplaced(tmp_path)
    assert [f.split(" is in no layer")[0] for f in found[:2]] == ["gateway/idcard", "gateway/watchdog.py"], found
    assert "add 'idcard' to the lowest layer of LAYERS (tests/architecture/layers.py) that lies above every " \
           "gateway package it imports" in found[0]
    assert found[2:] == [f"layer {layers.number('gpio')} names 'gpio', which gateway/ does not have: "
                         "take it out of LAYERS"]
    assert layers.violations(tmp_path) == []  # an unplaced package is unplaced()'s to name


def test_a_package_in_two_layers_is_named():
    twice = [*layers.LAYERS[:-1], layers.Layer("cli", frozenset({"cli", "engine"}), "the entry point")]
    assert layers.unplaced(ROOT, twice) == [f"'engine' is in more than one layer: {layers.number('engine')} "
                                            f"and {len(twice)}"]


@pytest.mark.parametrize("source", [
    "from gateway.api import app", "from gateway import api", "from ..api import app", "from .. import api",
    "import gateway.api.app as a", "def f():\n    import gateway.api", "def f():\n    from gateway.api import app",
    "import importlib\nm = importlib.import_module('gateway.api.app')",
    "from importlib import import_module\nm = import_module(f'gateway.api.{x}')",
    "m = __import__('gateway.api')",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from gateway.api.auth import bearer",
])
def test_the_reader_finds_each_form_of_import(tmp_path, source):
    f = tmp_path / "gateway" / "engine" / "planted.py"
    _plant(tmp_path, {"gateway/engine/planted.py": source + "\n"})
    assert [m.split(".")[:2] for _, m in layers.imports(f, f.relative_to(tmp_path))] == [["gateway", "api"]]


@pytest.mark.parametrize("source", [
    "import importlib\nm = importlib.import_module(f'gateway.{x}')",  # which package is not written down
    "import gateway", "from protocols import topics", "import json",
])
def test_the_reader_names_no_package_where_the_source_names_none(tmp_path, source):
    f = tmp_path / "gateway" / "engine" / "planted.py"
    _plant(tmp_path, {"gateway/engine/planted.py": source + "\n"})
    assert layers.imports(f, f.relative_to(tmp_path)) == []


# -- the engine is pure ---------------------------------------------------------------------------

def test_the_engine_imports_no_io_and_reads_no_clock():
    assert layers.engine_impurities(ROOT) == []


def test_a_planted_impurity_in_the_engine_is_found(tmp_path):
    _plant(tmp_path, {"gateway/engine/clock.py": (
        '"""Stamps a ticket the quick way."""\n'
        "import datetime as dt\n"
        "import sqlite3\n"
        "\n"
        "\n"
        "def stamp(at: float):\n"
        "    return dt.datetime.now().isoformat(), dt.date.fromtimestamp(at), sqlite3.sqlite_version\n")})
    found = layers.engine_impurities(tmp_path)
    assert [f.split(": ")[0] for f in found] == ["gateway/engine/clock.py:3 imports sqlite3",
                                                "gateway/engine/clock.py:7 reads the clock (dt.datetime.now())"]


@pytest.mark.parametrize("source", [
    "import sqlite3", "import socket", "import threading", "import asyncio", "from http import client",
    "import http.client", "import urllib.request", "import time", "from time import monotonic", "import random",
    "import os", "import logging", "from gateway.store import LogReader", "from gateway import runtime",
    "from ..devices import plane", "import fastapi", "d = dt.date.today()", "t = datetime.utcnow()",
])
def test_each_kind_of_impurity_is_named(tmp_path, source):
    _plant(tmp_path, {"gateway/engine/planted.py": source + "\n"})
    assert len(layers.engine_impurities(tmp_path)) == 1, source


def test_what_the_engine_may_use_passes(tmp_path):
    _plant(tmp_path, {"gateway/engine/planted.py": (
        "import datetime as dt\nimport heapq\nfrom zoneinfo import ZoneInfo\n"
        "from gateway.config.model import Hall\nfrom gateway.engine import reads\nfrom . import rules\n"
        "d = dt.datetime.fromtimestamp(0, ZoneInfo('Asia/Shanghai')).date()\nt = d.today if False else None\n"
        "at = dt.datetime.combine(d, dt.time(9)).time()\nk = cal.today(1.0)\n")})
    assert layers.engine_impurities(tmp_path) == []


def test_the_picture_in_the_docs_is_the_layers():
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert layers.picture() in doc, "docs/ARCHITECTURE.md: draw the layers anew, as this:\n" + layers.picture()


def test_loading_a_hall_file_loads_no_device_module():
    out = subprocess.run([sys.executable, "-c",
                          "import sys, gateway.config as c; c.load_file('hall_config/county.toml');"
                          "print(sorted(m for m in sys.modules if m.startswith('gateway.') "
                          "and not m.startswith('gateway.config')))"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# -- the command log's one door (gateway/store) ----------------------------------------------------
LOG_TABLES = ("commands", "origins", "snapshots", "meta", "request_keys")
# A log table where SQL names one: after FROM / JOIN / INTO / UPDATE / TABLE [IF [NOT] EXISTS],
# perhaps with a schema ("main.") or quoted; any case.
LOG_SQL = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:\w+\.)?[\"`\[]?"
                     rf"({'|'.join(LOG_TABLES)})\b(?![\w.])", re.IGNORECASE)
CONNECTIONS = ("conn", "_conn")


def _docstrings(tree) -> set[int]:
    """Docstrings are prose ("the records taken from commands"), never run as SQL."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def door_breaches(source: str) -> list[str]:
    """What in this module goes round the door: each string literal (f-string parts too) whose
    SQL names a log table, and each connection reached through another object (x.conn,
    runtime.store.conn): a module uses its own connections only."""
    tree = ast.parse(source)
    prose = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            out += [f"{node.lineno}: SQL names the log's table {m.group(1)} ({m.group(0)!r})"
                    for m in LOG_SQL.finditer(node.value)]
        elif isinstance(node, ast.Attribute) and node.attr in CONNECTIONS and not (
                isinstance(node.value, ast.Name) and node.value.id == "self"):
            out.append(f"{node.lineno}: reaches another's connection ({ast.unparse(node)})")
    return sorted(out, key=lambda s: int(s.split(":")[0]))


def breaches_under(root) -> list[str]:
    """Every breach in root/gateway outside root/gateway/store, as 'path:line: what'."""
    store = root / "gateway" / "store"
    return [f"{p.relative_to(root)}:{b}" for p in sorted((root / "gateway").rglob("*.py"))
            if store not in p.parents for b in door_breaches(p.read_text(encoding="utf-8"))]


def test_only_the_store_reads_the_command_log():
    """The outbox, the reports, the mirror, the county, the pages, backup: all through LogReader."""
    assert breaches_under(ROOT) == []


def test_a_planted_breach_is_found(tmp_path):
    _copy_gateway(tmp_path)
    assert breaches_under(tmp_path) == []
    leak = tmp_path / "gateway" / "reports" / "shortcut.py"
    leak.write_text('''"""Reads the log the quick way."""
import json


def served_today(runtime, day):
    rows = runtime.store.conn.execute(
        "SELECT record FROM commands WHERE seq > ?", (day,))
    return [json.loads(r) for (r,) in rows]
''', encoding="utf-8")
    assert breaches_under(tmp_path) == [
        "gateway/reports/shortcut.py:6: reaches another's connection (runtime.store.conn)",
        "gateway/reports/shortcut.py:7: SQL names the log's table commands ('FROM commands')"]
    # The same module inside gateway/store is the store's own business.
    leak.rename(tmp_path / "gateway" / "store" / "shortcut.py")
    assert breaches_under(tmp_path) == []


@pytest.mark.parametrize("source", [
    "q = 'SELECT seq, hash FROM commands ORDER BY seq DESC LIMIT 1'",
    "q = 'select record from commands where seq = ?'",
    "q = 'SELECT c.record FROM origins o JOIN commands c ON c.seq = o.command'",
    "q = 'INSERT OR REPLACE INTO meta VALUES (?, ?)'",
    "q = 'UPDATE meta SET value = 1'",
    "q = 'DELETE FROM snapshots WHERE seq < ?'",
    "q = 'CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY)'",
    "q = 'SELECT * FROM main.\"origins\"'",
    "q = f'SELECT {cols} FROM commands WHERE seq > {n}'",
    "q = ('SELECT record '\n     'FROM commands')",
    "def f(log):\n    return log._conn.execute('SELECT 1')",
    "def f(rt):\n    return rt.store.conn",
])
def test_the_check_reads_sql_and_connections(source):
    assert len(door_breaches(source)) == 1 + (" JOIN " in source), source


@pytest.mark.parametrize("source", [
    '"""Records taken from commands, copied into meta tables."""',  # a docstring is prose
    "q = 'SELECT * FROM outbox_items JOIN outbox_cursor USING (dest)'",  # a part's own tables
    "q = 'SELECT value FROM report_meta WHERE key = ?'",
    "q = 'SELECT * FROM commands_seen'",
    "q = 'SELECT * FROM meta.x'",  # a schema called meta, not the table
    "text = 'the commands from the pad'",
    "def f(self):\n    return self.conn.execute('SELECT 1')",  # a module's own connection
])
def test_the_check_leaves_other_sql_alone(source):
    assert door_breaches(source) == [], source


# -- the engine's one read door (gateway/engine/reads.py): tests/architecture/engine_door.py ----------

def test_nothing_outside_the_engine_reads_its_state_but_through_reads():
    assert engine_door.violations(ROOT) == []


def test_the_door_check_reports_each_kind_of_violation_it_plants(tmp_path):
    files = {
        "gateway/__init__.py": "",
        "gateway/engine/__init__.py": "",
        "gateway/engine/reads.py": "def ticket(eng, tid):\n    return eng.tickets.get(tid)\n",
        "gateway/engine/guard.py": "def locked_for(eng, window, at):\n    return 0\n",
        "gateway/pages/__init__.py": "",
        "gateway/pages/views.py": (
            "from gateway.engine import guard, reads\n"
            "\n"
            "def good(eng, tid):\n"
            "    return reads.ticket(eng, tid), eng.hall.name, eng.cal\n"       # 4: clean
            "def peeks(eng):\n"
            "    return eng.tickets\n"                                           # 6: looks
            "def helper(x):\n"
            "    return reads.ticket(x, 'A001')\n"
            "def passes(eng):\n"
            "    return helper(eng)\n"                                           # 10: name
            "def sideways(eng):\n"
            "    return guard.locked_for(eng, 1, 0.0)\n"                         # 12: door
            "def sneaks(eng):\n"
            "    return getattr(eng, 'windows')\n"),                             # 14: looks (getattr)
        "gateway/pages/shell.py": (
            "from gateway.pages import views\n"
            "\n"
            "def serve(runtime):\n"
            "    runtime.read(views.good)\n"                                     # 4: clean
            "    runtime.read(lambda e: e.tickets)\n"                            # 5: view
            "    return runtime.engine.windows\n"),                              # 6: runtime
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = engine_door.violations(tmp_path)
    assert [f.split(": ")[0] for f in found] == ["gateway/pages/shell.py:5", "gateway/pages/shell.py:6",
                                                "gateway/pages/views.py:6", "gateway/pages/views.py:10",
                                                "gateway/pages/views.py:12", "gateway/pages/views.py:14"], found
    said = "\n".join(found)
    for words in ("names the engine 'e'", "reaches the runtime's engine", "looks into the engine: .tickets",
                  "hands the engine to helper() as 'x'", "hands the engine to gateway.engine.guard.locked_for",
                  "looks into the engine: getattr(…, 'windows')"):
        assert words in said


def test_what_the_door_lets_through_is_configuration_or_commands_not_state():
    from gateway.config import load_file
    from gateway.engine import Engine

    eng = Engine(load_file(ROOT / "hall_config" / "county.toml"))
    assert set(engine_door.ALLOWED) <= set(dir(eng))  # each names a real attribute of the engine
    assert set(vars(eng)) & set(engine_door.ALLOWED) == {"hall", "cal"}  # of its state, the hall file only
    assert (ROOT / engine_door.OWNER).is_file()
