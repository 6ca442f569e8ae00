"""The layers import downwards only: the hall file's loader (gateway/config)
knows nothing of the parts that use a hall. The command log has one door: only
gateway/store names the log's tables in SQL or touches a store's connection."""
import ast
import re
import shutil
import subprocess
import sys

import pytest

from tests.architecture import engine_door
from tests.support import ROOT

# Packages gateway/config may not import: everything of the gateway above it.
ABOVE_CONFIG = ("gateway.devices", "gateway.engine", "gateway.api", "gateway.extensions", "gateway.commands",
                "gateway.runtime", "gateway.store", "gateway.pages")


def imported(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_config_imports_nothing_above_it():
    bad = [(p.name, m) for p in sorted((ROOT / "gateway" / "config").glob("*.py"))
           for m in imported(p) if m.startswith(ABOVE_CONFIG)]
    assert bad == []


def test_loading_a_hall_file_loads_no_device_module():
    out = subprocess.run([sys.executable, "-c",
                          "import sys, gateway.config as c; c.load_file('hall_config/county.toml');"
                          "print(sorted(m for m in sys.modules if m.startswith('gateway.') "
                          "and not m.startswith('gateway.config')))"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# -- the command log's one door (gateway/store) ----------------------------------------------------
LOG_TABLES = ("commands", "origins", "snapshots", "meta")
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
    shutil.copytree(ROOT / "gateway", tmp_path / "gateway",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "vendor", "*.pyc"))
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
