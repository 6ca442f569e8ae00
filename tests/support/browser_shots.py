"""Screenshots of the hall's pages from the browser tests (and of the emulated devices'
screens from the firmware tests), for a person to look at:
kept only with HALL_SCREENSHOTS=DIR set. A module of its own (tests/ is on the path),
because `from conftest import` finds whichever conftest.py was loaded first."""
import os
from pathlib import Path


def screenshot(page, name: str) -> None:
    shots = os.environ.get("HALL_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=False)


def save_png(png: bytes, name: str) -> None:
    """A picture made otherwise (an emulated call pad's screen), kept as name.png."""
    shots = os.environ.get("HALL_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        (Path(shots) / f"{name}.png").write_bytes(png)
