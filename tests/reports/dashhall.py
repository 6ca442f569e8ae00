"""The real gateway (`hallgw run` as a subprocess) for the dashboard's browser tests, with the
pages' Chromium fixtures: the county hall at 10:00 on the next working day, its clock running."""
import json
import time
import urllib.request
from pathlib import Path

from gateway.config import load_file
from hil.day.clock import day_start
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.support import ROOT

CONFIG = ROOT / "hall_config" / "county.toml"
HALL = load_file(CONFIG)
WITHOUT = ("announcer", "status_led", "upstream")  # the embedded broker and the device plane run: no boards
PUSH_MS = 10_000  # a loaded machine; a push normally lands within a heartbeat


def start_gateway(data_dir: Path) -> Gateway:
    _, start = day_start(HALL, 10)  # 10:00 on the next working day: open
    real = time.time()
    gw = Gateway(CONFIG, data_dir, free_port(), free_port(), clock=(start, 1.0, real), without=WITHOUT).start()
    gw.supervisor = (gw.data_dir / "supervisor_token").read_text().strip()
    gw.clerk = (gw.data_dir / "api_token").read_text().strip()
    gw.now = lambda: start + (time.time() - real)  # the hall's time in the gateway
    return gw


def act(gw, window: int, **body):
    req = urllib.request.Request(f"{gw.url}/api/v1/windows/{window}/actions", json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "Authorization": f"Bearer {gw.clerk}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def login_code(window: int) -> str:
    """The login code of the window's A post."""
    return next(s.login_code for s in HALL.staff if s.id == HALL.window(window).post_a)
