"""Start a real Mosquitto for a test: on a free loopback port, with
TCP_NODELAY, optionally with extra config lines (passwords, ACL), and with
stop/start so tests can cut the broker under running clients."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mosquitto_binary() -> str:
    for p in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if p and Path(p).exists():
            return p
    raise AssertionError("mosquitto is not installed: run `make test`, which installs it")


def wait_port(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port}")


class Mosquitto:
    def __init__(self, workdir: Path, port: int | None = None, extra: str = "", conf: Path | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        if conf is None:
            conf = self.workdir / "mosquitto.conf"
            conf.write_text(
                f"listener {self.port} 127.0.0.1\n"
                "set_tcp_nodelay true\n"
                f"persistence true\npersistence_location {self.workdir}/\n"
                # As root Mosquitto would drop to its own user, which cannot reach
                # pytest's 0700 temp dirs to save retained messages across a restart.
                + ("user root\n" if os.geteuid() == 0 else "")
                + (extra if extra else "allow_anonymous true\n"))
        self.conf = conf

    def start(self) -> Mosquitto:
        log = open(self.workdir / "mosquitto.log", "ab")
        self.proc = subprocess.Popen([mosquitto_binary(), "-c", str(self.conf)], stdout=log, stderr=log)
        wait_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def log(self) -> str:
        p = self.workdir / "mosquitto.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
