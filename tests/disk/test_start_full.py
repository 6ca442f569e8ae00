"""A Pi whose disk filled while the gateway was stopped (or that rebooted into a full disk):
`hallgw run` does not crash with a traceback; it says in Chinese and English that the disk is
full, exits with EX_TEMPFAIL (systemd starts it again), and once room is back it starts and
has every ticket it acknowledged before."""
import os
import subprocess
import sys
import time

import httpx

from gateway.commands.run import EX_TEMPFAIL
from gateway.disk import REASON_CN
from tests.support import ROOT
from tests.support.hallday import MONDAY_9
from tests.support.mosquitto import free_port
from tests.support.smalldisk import Ballast, small_disk

VILLAGE = ROOT / "hall_config" / "village.toml"
REAL_START = time.time()  # the gateways run on Monday 10:00 from here: inside the hall's hours


def run(data_dir, port):
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", str(VILLAGE), "--data-dir",
                             str(data_dir), "--http-port", str(port), "--no-extensions",
                             "--clock-start", str(MONDAY_9 + 3600), "--clock-real-start", str(REAL_START)], cwd=ROOT,
                            env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def served(p, port):
    """Wait for the gateway's answer (or its exit): True once it answers."""
    for _ in range(600):
        if p.poll() is not None:
            return False
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/v1/queue", timeout=1).status_code == 200
        except httpx.HTTPError:
            time.sleep(0.1)
    return False


def stop(p):
    p.terminate()
    return p.communicate(timeout=60)


def test_a_start_on_a_full_disk_says_why_and_the_next_start_has_every_ticket(tmp_path):
    with small_disk(tmp_path / "disk", "3m") as disk:
        data = disk / "data"
        port = free_port()
        p = run(data, port)
        assert served(p, port), p.stderr.read() if p.poll() is not None else "no answer"
        token = (data / "api_token").read_text().strip()
        r = httpx.post(f"http://127.0.0.1:{port}/api/v1/tickets", json={"service": "ZH"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 201, r.text
        got = r.json()
        stop(p)

        ballast = Ballast(disk)
        ballast.fill()
        p = run(data, free_port())
        out, err = p.communicate(timeout=120)
        assert p.returncode == EX_TEMPFAIL, out + err
        assert err.startswith(f"hallgw: {REASON_CN}") and "Traceback" not in err, err
        assert "the store's disk is full" in err  # the English for the log, with SQLite's own error

        ballast.empty()
        port = free_port()
        p = run(data, port)
        try:
            assert served(p, port), p.stderr.read() if p.poll() is not None else "no answer"
            ticket = httpx.get(f"http://127.0.0.1:{port}/api/v1/tickets/{got['id']}", timeout=10).json()
            assert ticket["number"] == got["number"] == "A001" and ticket["state"] == "waiting"
        finally:
            stop(p)
