"""The key names of each role, read from firmware/keymap.py (the one place they
are defined) under CPython, with micropython.const standing in as identity."""
from __future__ import annotations

import functools
import importlib.util
import sys
import types

from gateway.provision import firmware_dir

# The evaluator's level keys, best first, and the level each gives (protocols.events).
LEVEL_KEYS = {5: "very_satisfied", 4: "satisfied", 3: "basic", 2: "unsatisfied", 1: "very_unsatisfied"}


@functools.cache
def _keymap():
    shim = types.ModuleType("micropython")
    shim.const = lambda x: x
    saved = sys.modules.get("micropython")
    sys.modules["micropython"] = shim
    try:
        spec = importlib.util.spec_from_file_location("_hil_keymap", firmware_dir() / "keymap.py")
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


# What each key says on its cap, in the hall's words (firmware/keymap.py's comments): the
# devices page labels its buttons with these, never with the firmware's key names.
KEY_LABELS = {
    "callpad": {**{str(d): str(d) for d in range(10)}, "call": "叫号", "recall": "重呼", "start": "开始办理",
                "finish": "办结", "noshow": "过号", "pause": "暂停/恢复", "transfer": "转移", "eval": "请评价",
                "ok": "确认", "back": "清除"},
    "evaluator": {"very_satisfied": "非常满意", "satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意",
                  "very_unsatisfied": "非常不满意", "next": "下一项", "pick": "勾选", "done": "提交"},
}
# The call pad's long presses: the key held, and what it does.
LONG_PRESSES = (("finish", "长按办结：即办件"), ("back", "长按清除：退出登录"))


def labels(role: str) -> list[tuple[str, str]]:
    """(key name, its label) of every key the role's firmware has, in keymap order; a key
    the firmware gained without a label here fails loudly rather than showing its code."""
    table = KEY_LABELS.get(role, {})
    missing = [k for k in key_names(role) if k not in table]
    if missing:
        raise KeyError(f"no label for the {role} key(s) {', '.join(missing)}: add them to hil/board/keys.py KEY_LABELS")
    return [(k, table[k]) for k in key_names(role)]
