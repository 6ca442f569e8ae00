"""A short hall day with every kind of fault, through the real `hall-hil day`:
gateway subprocess, Mosquitto, five emulated boards running the firmware, and the
emulated provincial platform with its own faults taking every rating."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_short_day_with_faults_passes_its_checks(tmp_path):
    r = subprocess.run([sys.executable, "-m", "hil.cli", "day", "--config", "hall_config/village.toml",
                        "--hours", "1", "--speed", "90", "--faults", "--upstream", "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=400)
    last = r.stdout.strip().splitlines()[-1]
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    m = re.fullmatch(r"day ok: tickets=(\d+) served=(\d+) ratings=(\d+) faults=(\d+) upstream: ratings=(\d+) "
                     r"delivered=(\d+) duplicates_answered=(\d+) retries=(\d+) platform_faults=(\d+) .*", last)
    assert m, last
    tickets, served, ratings, faults, up_ratings, delivered, dups, retries, platform_faults = map(int, m.groups())
    assert tickets > 0 and 0 < served <= tickets and 0 < ratings <= served
    assert faults == 8   # every planned fault was carried out
    for kind in ("gateway SIGKILLed", "broker restarted", "power-cycled", "lost Wi-Fi", "delivered again"):
        assert kind in r.stdout
    # every stored rating is on the platform once, field for field (the day's own checks
    # fail it otherwise); the platform's faults were all carried out
    assert up_ratings == ratings == delivered and platform_faults == 9


def processes_in(folder) -> list[str]:
    """Processes whose command line or working directory lies in folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue   # gone meanwhile
        if str(folder) in cmd or cwd.startswith(str(folder)):
            found.append(f"{proc.name}: {cmd}")
    return found


def test_sigterm_stops_the_day_and_everything_it_started(tmp_path):
    p = subprocess.Popen([sys.executable, "-m", "hil.cli", "day", "--config", "hall_config/village.toml",
                          "--hours", "1", "--speed", "90", "--workdir", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "gateway" / "hall.db").exists() or len(processes_in(tmp_path)) < 8:
            assert p.poll() is None and time.monotonic() < deadline, "the day did not get going"
            time.sleep(0.2)   # the day, its broker, gateway and five boards
        p.send_signal(signal.SIGTERM)
        p.wait(60)
    finally:
        p.kill()
    deadline = time.monotonic() + 10   # a killed process may take a moment to leave /proc
    while processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(tmp_path) == []
