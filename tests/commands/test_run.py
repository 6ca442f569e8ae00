"""`hallgw run` and its extensions: the declared order on a real start, stopped by SIGTERM; a
--without that leaves a need unmet refused before anything is opened."""
import os
import signal
import subprocess
import sys
import time

import httpx

from gateway import extensions
from tests.support import ROOT
from tests.support.mosquitto import free_port

VILLAGE = ROOT / "hall_config" / "village.toml"


def hallgw_run(data_dir, *more, env=None):
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", str(VILLAGE),
                             "--data-dir", str(data_dir), *more], cwd=ROOT, env=env or os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_leaving_out_the_pages_but_not_what_needs_them_is_refused_at_start(tmp_path):
    p = hallgw_run(tmp_path / "data", "--http-port", str(free_port()), "--without", "pages")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 2, out + err
    assert err.startswith("hallgw: 扩展 kiosk、clerk_console、screen、reports 需要页面推送中心")
    assert "--without pages" in err and "Traceback" not in err
    assert not (tmp_path / "data" / "hall.db").exists()  # refused before the store was opened


def test_the_extensions_start_in_the_declared_order_and_stop_at_sigterm(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != extensions.EXTRA}
    p = hallgw_run(tmp_path / "data", "--http-port", str(port), "--broker-port", str(free_port()),
                   "--without", "announcer", env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline and p.poll() is None, "hallgw run did not come up"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text.count("<title>") == 1  # home, on /
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    said = next(ln for ln in out.splitlines() if ln.startswith("hallgw: extensions: "))
    started = said.removeprefix("hallgw: extensions: ").split(", ")
    planned = [d.name for d in extensions.ordered(("announcer",))]
    # those that start here (a village: no mirror, county, attached panel or backups), in the planned order
    assert started == [n for n in planned if n not in ("mirror", "county", "attached", "backup")]
    assert started[:4] == ["broker", "status_led", "clock", "devices"] and started[-1] == "observe"
    assert out.rstrip().endswith("hallgw: stopped") and "Traceback" not in err


def up(url: str, p, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert time.monotonic() < deadline and p.poll() is None, "hallgw run did not come up"
        try:
            if httpx.get(url, timeout=1).status_code in (200, 503):
                return
        except httpx.HTTPError:
            time.sleep(0.1)


def test_listen_opens_the_pages_to_the_hall_network_and_the_default_keeps_them_here(tmp_path):
    # 127.0.0.2 is this machine too, but not the address 127.0.0.1 binds: it stands for another
    # host of the hall's network (a screen, a kiosk, a clerk's PC) reaching the gateway.
    for listen, reached in ((None, False), ("0.0.0.0", True)):
        port = free_port()
        more = ("--listen", listen) if listen else ()
        p = hallgw_run(tmp_path / f"data-{listen}", "--http-port", str(port), "--no-extensions", *more)
        try:
            up(f"http://127.0.0.1:{port}/api/v1/queue", p)
            try:
                got = httpx.get(f"http://127.0.0.2:{port}/api/v1/queue", timeout=5).status_code == 200
            except httpx.ConnectError:
                got = False
            assert got is reached, listen
        finally:
            p.send_signal(signal.SIGTERM)
            p.communicate(timeout=60)
