"""The village gateway fits a Pi Zero 2 W: started as `hallgw run` it stays well under 80 MB
resident, and a hall that does not deliver upstream or print does not load the libraries for
it (httpx and cryptography, python-escpos: some 16 MB). The peak-hour figures come from
`hall-bench footprint` (a benchmark: it prints them); here its sampler reads a process."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.footprint import Sampler, gateway_pid, sample
from tests.support import ROOT
from tests.support.mosquitto import free_port

VILLAGE_MB = 80


def test_the_village_gateway_stays_small(tmp_path):
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", "hall_config/village.toml",
                          "--data-dir", str(tmp_path / "data"), "--http-port", str(port),
                          "--broker-port", str(free_port())], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
                break
            except OSError:
                assert p.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert gateway_pid(tmp_path) == p.pid  # what hall-bench footprint samples
        rss, cpu = sample(p.pid)
        maps = Path(f"/proc/{p.pid}/maps").read_text()
    finally:
        p.terminate()
        p.wait(30)
    assert 0 < rss < VILLAGE_MB, f"{rss:.1f} MB"
    assert cpu > 0
    assert "cryptography" not in maps and "escpos" not in maps  # no upstream, no printer here


def test_the_sampler_follows_a_process(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(20_000_000); time.sleep(3)",
                             "gateway.cli run", str(tmp_path)])
    s = Sampler(tmp_path, 0.05).start()
    try:
        deadline = time.monotonic() + 10
        while not any(r > 20 for r in s.rss):
            assert time.monotonic() < deadline, s.rss
            time.sleep(0.05)
    finally:
        s.stop()
        proc.kill()
        proc.wait()
    assert s.pids == {proc.pid} and len(s.cpu) == len(s.rss)
    assert os.sysconf("SC_CLK_TCK") > 0
