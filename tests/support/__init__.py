"""Helpers shared by tests in every folder (importable as `support`: pytest's
pythonpath includes tests/). Not in conftest.py: several folders have their own
conftest.py, so `from conftest import …` would be ambiguous."""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A command from the project's venv, else from PATH; set-up installs both, so never skip."""
    p = BIN / name
    if p.exists():
        return str(p)
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make test`, which installs it"
    return found
