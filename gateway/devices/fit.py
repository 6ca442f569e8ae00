"""What in a valid hall file the devices cannot take: the one check of a hall
file that needs the device plane's knowledge (the size of an evaluator's
desired state). It lives here rather than in gateway/config so the config
layer stays below the devices; `hallgw config check` and `hallgw run` load a
hall through load_checked and so still refuse such a file."""
from __future__ import annotations

from pathlib import Path

from gateway.config import ConfigError, Hall, load_file
from gateway.devices.desired import largest_evaluator_state
from protocols.desired import RX_BYTES


def problems(hall: Hall) -> list[tuple[str, str]]:
    """(key path, message) for each thing the hall's devices could not take."""
    if not any(d.role == "evaluator" for d in hall.devices):
        return []
    n, cap = largest_evaluator_state(hall), RX_BYTES["evaluator"]
    if n <= cap:
        return []
    return [("evaluation.reasons", f"with these reasons (and the longest clerk's name) an evaluator's state "
             f"is up to {n} bytes, more than the {cap} it takes: use fewer or shorter reason texts")]


def load_checked(path: str | Path) -> Hall:
    """load_file, then the devices' check: ConfigError naming file and key path."""
    hall = load_file(path)
    found = problems(hall)
    if found:
        raise ConfigError(str(path), found)
    return hall
