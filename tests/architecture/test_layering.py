"""The layers import downwards only: the hall file's loader (gateway/config)
knows nothing of the parts that use a hall."""
import ast
import subprocess
import sys

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
