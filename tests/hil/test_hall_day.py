"""A short hall day with every kind of fault, through the real `hall-hil day`:
gateway subprocess, Mosquitto, five emulated boards running the firmware."""
import re
import subprocess
import sys


def test_short_day_with_faults_passes_its_checks(tmp_path):
    r = subprocess.run([sys.executable, "-m", "hil.cli", "day", "--config", "hall_config/village.toml",
                        "--hours", "1", "--speed", "90", "--faults", "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    last = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    m = re.fullmatch(r"day ok: tickets=(\d+) served=(\d+) ratings=(\d+) faults=(\d+)", last)
    assert m, last
    tickets, served, ratings, faults = map(int, m.groups())
    assert tickets > 0 and 0 < served <= tickets and 0 < ratings <= served
    assert faults == 8   # every planned fault was carried out
    for kind in ("gateway SIGKILLed", "broker restarted", "power-cycled", "lost Wi-Fi", "delivered again"):
        assert kind in r.stdout
