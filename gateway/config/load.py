"""Read a hall TOML file; any problem becomes a ConfigError naming file and key path."""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from gateway.config.model import Hall
from gateway.config.validate import build


class ConfigError(Exception):
    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.source}: {path}: {msg}" if path else f"{self.source}: {msg}"
                for path, msg in self.problems]


def load_text(text: str, source: str = "<string>") -> Hall:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # tomllib puts "(at line L, column C)" in its message.
        raise ConfigError(source, [("", f"TOML syntax error: {e}")]) from None
    hall, errors = build(doc, source)
    if errors:
        raise ConfigError(source, errors)
    return hall


def load_file(path: str | Path) -> Hall:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [("", "file not found")]) from None
    except UnicodeDecodeError as e:
        raise ConfigError(str(path), [("", f"not UTF-8 text ({e.reason} at byte {e.start})")]) from None
    except OSError as e:
        raise ConfigError(str(path), [("", f"cannot read: {e.strerror}")]) from None
    return load_text(text, str(path))


def load_or_report(path: str | Path) -> Hall | None:
    """For commands: the hall, or None after printing every problem to stderr."""
    try:
        return load_file(path)
    except ConfigError as e:
        for line in e.lines():
            print(line, file=sys.stderr)
        return None
