"""Stopping a child process the same way everywhere: ask, then insist."""
from __future__ import annotations

import subprocess


def stop(p: subprocess.Popen | None, grace: float = 5.0) -> None:
    if p and p.poll() is None:
        p.terminate()
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
