"""The wire contract, under CPython and under the real MicroPython unix port."""
import subprocess

import pytest

from tests.protocols import cases as protocol_cases


@pytest.mark.parametrize("case", protocol_cases.CASES, ids=lambda c: c.__name__)
def test_cpython(case):
    case()


def test_micropython(micropython, root):
    # Same cases, real MicroPython, with an ESP32-sized heap.
    code = ("import sys; sys.path.insert(0, '.'); sys.path.insert(0, 'tests/protocols');"
            "import cases; sys.exit(1 if cases.main() else 0)")
    out = subprocess.run([micropython, "-X", "heapsize=96K", "-c", code], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(protocol_cases.CASES)} passed, 0 failed" in out.stdout
