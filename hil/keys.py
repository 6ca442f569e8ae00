"""The key names of each role, read from firmware/keymap.py (the one place they
are defined) under CPython, with micropython.const standing in as identity."""
from __future__ import annotations

import functools
import importlib.util
import sys
import types
from pathlib import Path

KEYMAP = Path(__file__).resolve().parents[1] / "firmware" / "keymap.py"
# The evaluator's level keys, best first, and the level each gives (protocols.events).
LEVEL_KEYS = {5: "very_satisfied", 4: "satisfied", 3: "basic", 2: "unsatisfied", 1: "very_unsatisfied"}


@functools.cache
def _keymap():
    shim = types.ModuleType("micropython")
    shim.const = lambda x: x
    saved = sys.modules.get("micropython")
    sys.modules["micropython"] = shim
    try:
        spec = importlib.util.spec_from_file_location("_hil_keymap", KEYMAP)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        if saved is None:
            sys.modules.pop("micropython", None)
        else:
            sys.modules["micropython"] = saved
    return mod


def _names(table) -> list[str]:
    if isinstance(table, str):   # "name:gpio name:gpio ..."
        return [item.split(":")[0] for item in table.split()]
    return [name for name, _ in table]


def key_names(role: str) -> list[str]:
    km = _keymap()
    if role == "callpad":
        return _names(km.CALLPAD_KEYS)
    if role == "evaluator":
        return _names(km.EVALUATOR_KEYS)
    return []
