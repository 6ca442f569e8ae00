"""Typed reads from parsed TOML that collect errors with their key paths.

Every read names its path (``windows[3].services[1]``); a wrong value is
recorded, a default stands in, and reading goes on, so one run reports every
mistake in the file rather than the first.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re

_MISSING = object()


class Reader:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    # -- containers ---------------------------------------------------
    def table(self, parent: dict, key: str, path: str, required: bool = False) -> dict:
        p = join(path, key)
        v = parent.get(key, _MISSING)
        if v is _MISSING:
            if required:
                self.error(p, "missing table")
            return {}
        if not isinstance(v, dict):
            self.error(p, f"must be a table, not {kind(v)}")
            return {}
        return v

    def tables(self, parent: dict, key: str, path: str, required: bool = False) -> list[tuple[str, dict]]:
        p = join(path, key)
        v = parent.get(key, _MISSING)
        if v is _MISSING:
            if required:
                self.error(p, "missing (at least one entry is needed)")
            return []
        if not isinstance(v, list):
            self.error(p, f"must be an array of tables, not {kind(v)}")
            return []
        out = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                self.error(f"{p}[{i}]", f"must be a table, not {kind(item)}")
            else:
                out.append((f"{p}[{i}]", item))
        if required and not v:
            self.error(p, "is empty (at least one entry is needed)")
        return out

    def unknown(self, table: dict, path: str, known: tuple[str, ...]) -> None:
        for k in table:
            if k not in known:
                hint = f" (known keys: {', '.join(known)})"
                self.error(join(path, k), "unknown key" + hint)

    # -- scalars ------------------------------------------------------
    def value(self, t: dict, key: str, path: str, types, default=_MISSING, what: str = ""):
        p = join(path, key)
        v = t.get(key, _MISSING)
        if v is _MISSING:
            if default is _MISSING:
                self.error(p, "missing")
                return None
            return default
        if isinstance(v, bool) and bool not in _tuple(types):
            self.error(p, f"must be {what or _names(types)}, not {kind(v)}")
            return None if default is _MISSING else default
        if not isinstance(v, types):
            self.error(p, f"must be {what or _names(types)}, not {kind(v)}")
            return None if default is _MISSING else default
        return v

    def string(self, t, key, path, default=_MISSING, pattern: str | None = None,
               what: str = "", choices: tuple[str, ...] | None = None, max_len: int = 200):
        v = self.value(t, key, path, str, default)
        if not isinstance(v, str):
            return v
        p = join(path, key)
        if choices is not None and v not in choices:
            self.error(p, f"must be one of {', '.join(choices)}, not {v!r}")
        elif pattern is not None and not re.fullmatch(pattern, v):
            self.error(p, f"{v!r} is not {what or 'valid'}")
        elif len(v) > max_len:
            self.error(p, f"is longer than {max_len} characters")
        elif v == "" and default is _MISSING:
            self.error(p, "must not be empty")
        return v

    def integer(self, t, key, path, default=_MISSING, lo: int | None = None, hi: int | None = None):
        v = self.value(t, key, path, int, default, "an integer")
        if isinstance(v, int) and not isinstance(v, bool):
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                self.error(join(path, key), f"{v} is out of range {lo}..{hi}")
        return v

    def number(self, t, key, path, default=_MISSING, lo: float | None = None, hi: float | None = None):
        v = self.value(t, key, path, (int, float), default, "a number")
        if isinstance(v, float) and not math.isfinite(v):
            self.error(join(path, key), f"{v} is not a finite number")
            return None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                self.error(join(path, key), f"{v} is out of range {lo}..{hi}")
        return v

    def boolean(self, t, key, path, default=_MISSING):
        return self.value(t, key, path, bool, default, "true or false")

    def strings(self, t, key, path, default=_MISSING, nonempty: bool = False) -> list[str]:
        p = join(path, key)
        v = t.get(key, _MISSING)
        if v is _MISSING:
            if default is _MISSING:
                self.error(p, "missing")
                return []
            return list(default)
        if not isinstance(v, list):
            self.error(p, f"must be an array of strings, not {kind(v)}")
            return []
        out = []
        for i, s in enumerate(v):
            if not isinstance(s, str) or not s:
                self.error(f"{p}[{i}]", f"must be a non-empty string, not {kind(s)}")
            else:
                out.append(s)
        if nonempty and not v:
            self.error(p, "must not be empty")
        return out

    def clock(self, v, path: str) -> dt.time | None:
        if isinstance(v, dt.time):
            return v
        if isinstance(v, str) and re.fullmatch(r"\d\d:\d\d", v):
            h, m = int(v[:2]), int(v[3:])
            if h < 24 and m < 60:
                return dt.time(h, m)
            if h == 24 and m == 0:
                return dt.time.max
        self.error(path, f"must be a time of day HH:MM, not {v!r}")
        return None

    def sessions(self, v, path: str) -> tuple[tuple[dt.time, dt.time], ...]:
        if not isinstance(v, list):
            self.error(path, f"must be an array of [\"HH:MM\", \"HH:MM\"] pairs, not {kind(v)}")
            return ()
        out = []
        for i, pair in enumerate(v):
            p = f"{path}[{i}]"
            if not isinstance(pair, list) or len(pair) != 2:
                self.error(p, "must be a pair [\"HH:MM\", \"HH:MM\"]")
                continue
            a, b = self.clock(pair[0], p + "[0]"), self.clock(pair[1], p + "[1]")
            if a is None or b is None:
                continue
            if a >= b:
                self.error(p, f"ends ({pair[1]}) before it starts ({pair[0]})")
                continue
            if out and a < out[-1][1]:
                self.error(p, "overlaps or precedes the session before it")
                continue
            out.append((a, b))
        return tuple(out)

    def dates(self, t, key, path) -> frozenset[dt.date]:
        p = join(path, key)
        v = t.get(key, [])
        if not isinstance(v, list):
            self.error(p, f"must be an array of dates, not {kind(v)}")
            return frozenset()
        out = set()
        for i, d in enumerate(v):
            if isinstance(d, dt.date) and not isinstance(d, dt.datetime):
                out.add(d)
            elif isinstance(d, str):
                try:
                    out.add(dt.date.fromisoformat(d))
                except ValueError:
                    self.error(f"{p}[{i}]", f"{d!r} is not a date YYYY-MM-DD")
            else:
                self.error(f"{p}[{i}]", f"must be a date YYYY-MM-DD, not {kind(d)}")
        return frozenset(out)


BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def join(path: str, key: str) -> str:
    # A key TOML would have to quote ("", "a b", "中") is quoted here too, so a path always reads back.
    if not BARE_KEY.fullmatch(key):
        key = json.dumps(key, ensure_ascii=False)
    return f"{path}.{key}" if path else key


def kind(v) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a float"
    if isinstance(v, str):
        return f"a string ({v!r})" if len(v) < 40 else "a string"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _tuple(t):
    return t if isinstance(t, tuple) else (t,)


def _names(types) -> str:
    names = {int: "an integer", str: "a string", float: "a number", bool: "true or false",
             list: "an array", dict: "a table"}
    return " or ".join(names.get(t, t.__name__) for t in _tuple(types))
