"""Provisioning a device over its serial line: config.json and the firmware."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# Where the firmware's sources are, first found first: installed from the wheel, beside this
# module (setup.py maps the checkout's firmware/ there); in a checkout, firmware/ at the top,
# where developers edit it.
PLACES = (_HERE / "firmware", _HERE.parents[1] / "firmware")


def firmware_dir() -> Path:
    """The firmware hallctl flashes (and the screen font is built from), in a checkout or a wheel."""
    for place in PLACES:
        if (place / "main.py").is_file():
            return place
    raise FileNotFoundError("the device firmware is not installed (no main.py in "
                            f"{' or '.join(map(str, PLACES))}): install the gateway again (make install)")
