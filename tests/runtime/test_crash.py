"""SIGKILL `hallgw run` at random points during a burst of API commands, restart it:
every ticket whose 201 came back is there, and no ticket was served twice."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx

from tests.support.hallday import MONDAY_9, ROOT
from tests.support.mosquitto import free_port

TOKEN = "crash-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# The gateway runs on a Monday-morning clock that carries on across restarts, so the
# test means the same at any hour CI runs it (no midnight reset, no closed hall).
REAL_START = time.time()


def start(config, data_dir, port):
    env = dict(os.environ, HALL_API_TOKEN=TOKEN, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", str(config), "--data-dir",
                          str(data_dir), "--http-port", str(port), "--no-extensions",
                          "--clock-start", str(MONDAY_9 + 3600), "--clock-real-start", str(REAL_START)],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    end = time.monotonic() + 60  # a bound, not a figure: 48 login codes are hashed (argon2) at first start
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/queue", timeout=0.5).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.05)
    p.kill()
    raise AssertionError(f"hallgw run did not come up: {p.stdout.read().decode()}")


def burst(base, acked, finished, stop, rnd):
    """Kiosk and clerks at once: tickets, and windows 1-3 calling, starting, finishing."""
    with httpx.Client(base_url=base, timeout=2) as c:
        while not stop.is_set():
            try:
                if rnd.random() < 0.5:
                    r = c.post("/api/v1/tickets", json={"service": rnd.choice(["ZH", "SB"])}, headers=AUTH)
                    if r.status_code == 201:
                        acked.append(r.json()["id"])
                    continue
                w = rnd.choice([1, 2, 3])
                for action in ({"action": "login", "staff_code": f"10{2 * w - 1:02d}"}, {"action": "call_next"},
                               {"action": "start"}, {"action": "finish"}):
                    r = c.post(f"/api/v1/windows/{w}/actions", json=action, headers=AUTH)
                    if r.status_code == 200 and action["action"] == "finish":
                        finished.append(r.json()["id"])
            except httpx.HTTPError:
                return  # the gateway was killed under us


def test_sigkill_during_a_burst_loses_no_acknowledged_ticket(tmp_path):
    config = ROOT / "hall_config" / "county.toml"
    data = tmp_path / "data"
    rnd = random.Random(20261123)
    acked, finished = [], []
    for _ in range(5):
        port = free_port()
        p = start(config, data, port)
        base = f"http://127.0.0.1:{port}"
        for tid in rnd.sample(acked, min(25, len(acked))):  # a sample after each restart; all at the end
            assert httpx.get(f"{base}/api/v1/tickets/{tid}").status_code == 200, tid
        stop = threading.Event()
        workers = [threading.Thread(target=burst, args=(base, acked, finished, stop, random.Random(rnd.random())))
                   for _ in range(3)]
        for t in workers:
            t.start()
        time.sleep(rnd.uniform(0.4, 1.5))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        stop.set()
        for t in workers:
            t.join(5)
    port = free_port()
    p = start(config, data, port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert len(acked) > 20, "the burst hardly ran"
        for tid in acked:
            assert httpx.get(f"{base}/api/v1/tickets/{tid}").status_code == 200, tid
        for tid in finished:
            assert httpx.get(f"{base}/api/v1/tickets/{tid}").json()["outcome"] == "served"
        stats = httpx.get(f"{base}/api/v1/stats/today").json()
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    db = sqlite3.connect(data / "hall.db")
    served = Counter(e["ticket"] for (rec,) in db.execute("SELECT record FROM commands")
                     for e in json.loads(rec)["outcome"]["events"] if e["type"] == "ticket_finished")
    db.close()
    assert served and max(served.values()) == 1, "a ticket was served twice"
    assert stats["volume"]["served"] == len(served)
    audit = subprocess.run([sys.executable, "-m", "gateway.cli", "audit", "verify", "--data-dir", str(data)],
                           cwd=ROOT, capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout
