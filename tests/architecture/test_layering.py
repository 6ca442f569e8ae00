"""The layers import downwards only: the hall file's loader (gateway/config)
knows nothing of the parts that use a hall."""
import ast
import subprocess
import sys

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
