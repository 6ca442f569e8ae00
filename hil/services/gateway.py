"""The real gateway (`hallgw run`) as a subprocess of the hall simulator, so a
SIGKILL is a real power cut; restarted with the same clock arguments it goes
on with the same simulated day."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from hil.services import process
from hil.services.mosquitto import free_port


class Gateway:
    def __init__(self, config: Path, data_dir: Path, http_port: int, broker_port: int, *,
                 embedded_broker: bool = True, clock: tuple[float, float, float] | None = None,
                 without: tuple[str, ...] = (), extra_extensions: str = "", tls_port: int | None = None,
                 nofile: int | None = None, options: tuple[str, ...] = ()):
        # Absolute: the gateway's process runs in the repository, not in our cwd.
        self.config, self.data_dir = Path(config).resolve(), Path(data_dir).resolve()
        self.http_port, self.broker_port = http_port, broker_port
        self.args = [sys.executable, "-m", "gateway.cli", "run", "--config", str(self.config),
                     "--data-dir", str(self.data_dir), "--http-port", str(http_port),
                     "--broker-port", str(broker_port),
                     # a TLS port of its own (the hall file's 8883 would clash with a simulation beside it)
                     "--broker-tls-port", str(free_port() if tls_port is None else tls_port),
                     # its log capped as the journal caps it under systemd (gateway.log.1 … when it rotates)
                     "--log-file", str(self.data_dir / "gateway.log"), *options]
        if not embedded_broker:
            self.args += ["--without", "broker"]
        for name in without:
            self.args += ["--without", name]
        if clock:
            start, speed, real_start = clock
            self.args += ["--clock-start", repr(start), "--clock-speed", repr(speed),
                          "--clock-real-start", repr(real_start)]
        self.env = dict(os.environ, HALLGW_EXTRA_EXTENSIONS=extra_extensions)
        if nofile is not None:  # the open-file limit it runs with (a unit's LimitNOFILE); prlimit execs in place
            self.args = ["prlimit", f"--nofile={nofile}:{nofile}", "--", *self.args]
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 60.0) -> Gateway:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "gateway.log", "ab") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                         cwd=Path(__file__).resolve().parents[2])
        self.starts += 1
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hallgw run exited with {self.proc.returncode}; see {self.data_dir}/gateway.log")
            try:
                self.get("/api/v1/windows", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"the gateway did not answer within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final snapshot; the store must carry the day."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        process.stop(self.proc, grace=15)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def get(self, path: str, timeout: float = 5.0):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
            return json.loads(r.read())

    def post(self, path: str, body: dict, timeout: float = 5.0, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, json.dumps(body).encode(), headers)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def kiosk_token(self) -> str:
        """The kiosk's token the gateway made at its first start (data_dir/kiosk_token)."""
        return os.environ.get("HALL_KIOSK_TOKEN") or (self.data_dir / "kiosk_token").read_text().strip()

    def supervisor_token(self) -> str:
        return os.environ.get("HALL_SUPERVISOR_TOKEN") or (self.data_dir / "supervisor_token").read_text().strip()

    def book_appointment(self, body: dict, timeout: float = 5.0):
        """POST /api/v1/appointments as a supervisor booking a citizen's slot at the hall."""
        return self.post("/api/v1/appointments", body, timeout, token=self.supervisor_token())

    def take_ticket(self, body: dict, timeout: float = 5.0):
        """POST /api/v1/tickets as the kiosk does."""
        return self.post("/api/v1/tickets", body, timeout, token=self.kiosk_token())
