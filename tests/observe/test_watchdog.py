"""The systemd watchdog: READY=1 and WATCHDOG=1 over the notify socket from a real `hallgw run`,
and no ping while the runtime is hung (the ping follows a round trip through it, it is not a timer)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from gateway.config import load_file
from gateway.observe import sdnotify
from gateway.runtime import Runtime
from tests.support import ROOT
from tests.support.mosquitto import free_port


def test_no_ping_while_the_runtime_is_hung(tmp_path):
    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), tmp_path)
    sent = []

    def probe():
        rt.read(lambda eng: eng.day)  # as /healthz does: blocks while the runtime's lock is held
        return True

    wd = sdnotify.Watchdog(probe, 0.02, send=sent.append)
    wd.start()
    try:
        deadline = time.monotonic() + 5
        while wd.pings < 3:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert sent[0].startswith("READY=1")
        with rt._lock:  # a hung engine: something holds the lock and never lets go
            time.sleep(0.05)
            held = wd.pings
            time.sleep(0.3)
            assert wd.pings == held  # not one ping while hung
        deadline = time.monotonic() + 5
        while wd.pings == held:
            assert time.monotonic() < deadline, "pings did not resume"
            time.sleep(0.01)
    finally:
        wd.stop()
        rt.close()
    assert sent[-1] == "STOPPING=1"


def test_notify_protocol_and_interval():
    assert sdnotify.ping_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert sdnotify.ping_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None  # for another process
    assert sdnotify.ping_interval({}) is None
    assert not sdnotify.notify("READY=1", {})  # not under systemd: nothing to do


def test_hallgw_run_tells_systemd_ready_and_pings(tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(30)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    p = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", "hall_config/village.toml",
                          "--data-dir", str(tmp_path / "data"), "--http-port", str(free_port()),
                          "--broker-port", str(free_port()), "--without", "announcer"],
                         cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = []
    try:
        while got.count("WATCHDOG=1") < 3:
            got.append(sock.recv(256).decode())
        p.send_signal(signal.SIGTERM)
        while "STOPPING=1" not in got:
            got.append(sock.recv(256).decode())
        assert p.wait(30) == 0
    finally:
        p.kill()
        p.wait()
        sock.close()
    assert got[0] == "READY=1\nSTATUS=serving"   # only once the gateway answers its own /healthz


def test_pings_only_while_the_probe_answers():
    answers = iter([False, False, True, True, False, False, True])
    sent = []
    done = threading.Event()

    def probe():
        try:
            return next(answers)
        except StopIteration:
            done.set()
            return False

    wd = sdnotify.Watchdog(probe, 0.01, send=sent.append, startup_poll=0.01)
    wd.start()
    assert done.wait(5)
    wd.stop()
    assert sent == ["READY=1\nSTATUS=serving", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"]
