"""A Mosquitto of the simulated hall's own: a free loopback port, TCP_NODELAY
(without it every hop costs tens of ms), persistence so a restart keeps the
retained desired states, and restart() for the broker-restart fault."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from hil.services import process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port}")


def mosquitto_binary() -> str:
    for p in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if p and Path(p).exists():
            return p
    raise FileNotFoundError("mosquitto is not installed (Debian package mosquitto)")


class Broker:
    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.conf = self.workdir / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\n"
                             f"persistence true\npersistence_location {self.workdir}/\n"
                             # as root Mosquitto would drop to its own user, which cannot
                             # write the persistence file into a private temp dir
                             + ("user root\n" if os.geteuid() == 0 else ""))
        self.proc: subprocess.Popen | None = None

    def start(self) -> Broker:
        with open(self.workdir / "mosquitto.log", "ab") as log:
            self.proc = subprocess.Popen([mosquitto_binary(), "-c", str(self.conf)], stdout=log, stderr=log)
        wait_port(self.port)
        return self

    def stop(self) -> None:
        p, self.proc = self.proc, None
        process.stop(p)

    def restart(self, down_seconds: float = 0.5) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()
