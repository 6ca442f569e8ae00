"""`hall-bench radio` runs end to end: a display awake and one in power save at a DTIM period, side
by side, each with its line and its figures (the figures are not judged: it is a benchmark); what
it says of the radios is what the firmware set, as the emulated access point saw it."""
import re
import subprocess
import sys

from tests.bench.test_cli import figures


def test_bench_radio_prints_a_line_per_display_and_its_figures(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bench.cli", "radio", "--samples", "2", "--dtim", "3",
                        "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    assert "awake (firmware's power save: none), dtim3 (firmware's power save: performance)" in lines[0], lines[0]
    awake = next(ln for ln in lines if ln.startswith("radio awake"))
    assert re.search(r"press -> pixels p50 +[\d.]+ ms, p99 +[\d.]+ ms \((meets|misses) the goal p99 <= 15 ms\)", awake)
    assert "nothing held at the access point" in awake, awake
    asleep = next(ln for ln in lines if ln.startswith("radio dtim3"))
    assert re.search(r"held at the access point for a DTIM beacon \(every 307.2 ms\): [1-9]\d* messages", asleep), asleep
    assert set(figures(r.stdout)) == {"awake_p50_ms", "awake_p99_ms", "dtim3_p50_ms", "dtim3_p99_ms"}


def test_a_bad_dtim_is_refused():
    r = subprocess.run([sys.executable, "-m", "bench.cli", "radio", "--dtim", "0"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "DTIM period 0: 1 to 255 beacons" in r.stdout, r.stdout + r.stderr
