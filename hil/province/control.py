"""The emulated province as a subprocess, for tests and the simulated hall day:
start it, inject faults, read what it stored, kill it like a power cut and
start it again on the same port with the same state."""
from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
LISTENING = "province: listening on "


class Province:
    def __init__(self, state_dir: Path | str, app_key: str, secret: str, sm4: bool = False,
                 port: int | None = None, token_ttl: float = 600, start_timeout: float = 15.0,
                 praise_tags: bool = False):
        self.state_dir = Path(state_dir).resolve()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.app_key, self.secret, self.sm4, self.token_ttl = app_key, secret, sm4, token_ttl
        self.port, self.start_timeout = port, start_timeout
        self.praise_tags = praise_tags  # list 好评标签 for the good levels too (some provinces do)
        self.proc: subprocess.Popen | None = None
        self.secret_file = self.state_dir / "secret"
        fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)   # also when the file was already there
            f.write(secret + "\n")
        self.log_file = self.state_dir / "province.log"

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the province has not been started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Province:
        if self.proc and self.proc.poll() is None:
            raise RuntimeError("the province is already running")
        # Port 0 the first time: the OS picks a free port and the listening line names it (no
        # race between picking and binding); a restart takes the same port, so URLs stay valid.
        args = [sys.executable, "-m", "hil.province", "--port", str(self.port or 0),
                "--state-dir", str(self.state_dir), "--app-key", self.app_key,
                "--secret-file", str(self.secret_file), "--token-ttl", str(self.token_ttl)]
        if self.sm4:
            args.append("--sm4")
        if self.praise_tags:
            args.append("--praise-tags")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        # stderr to a file: a pipe nobody reads would fill up and stall the server.
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, cwd=ROOT, env=env)
        line = self._first_line()
        if not line.startswith(LISTENING):
            self.kill()
            self._fail(f"unexpected first line {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def _first_line(self) -> str:
        assert self.proc and self.proc.stdout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        end = time.monotonic() + self.start_timeout
        try:
            while time.monotonic() < end:
                if sel.select(timeout=0.05):
                    line = self.proc.stdout.readline().decode("utf-8", "replace")
                    if line:
                        return line.strip()
                    self.proc.wait(5)
                    self._fail(f"exited with {self.proc.returncode} before listening")
                if self.proc.poll() is not None:
                    self._fail(f"exited with {self.proc.returncode} before listening")
        finally:
            sel.close()
        self.kill()
        self._fail(f"not listening after {self.start_timeout} s")
        raise AssertionError("unreachable")

    def _fail(self, why: str) -> None:
        err = self.log_file.read_text(encoding="utf-8", errors="replace")[-4000:] if self.log_file.exists() else ""
        raise RuntimeError(f"province {why}; stderr:\n{err}")

    # -- HTTP -----------------------------------------------------------------
    def _get(self, path: str):
        r = httpx.get(self.url + path, timeout=10)
        r.raise_for_status()
        return r.json()

    def control(self, **fault) -> dict:
        r = httpx.post(self.url + "/_control", json=fault, timeout=10)
        if r.status_code != 200:
            raise RuntimeError(f"control {fault} refused: {r.status_code} {r.text}")
        return r.json()

    def state(self) -> dict:
        return self._get("/_state")

    def records(self) -> list[dict]:
        return self._get("/_records")

    def form_records(self) -> list[dict]:
        return self._get("/_form_records")

    def followups(self) -> list[dict]:
        return self._get("/_followups")

    def conflicts(self) -> list[dict]:
        return self._get("/_conflicts")

    def attempts(self) -> list[dict]:
        return self._get("/_attempts")

    # -- stopping -------------------------------------------------------------
    def kill(self) -> None:
        """SIGKILL: a power cut. What was answered is in province.db."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close_pipe()

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after the grace time; returns the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close_pipe()
        return self.proc.returncode if self.proc else None

    def _close_pipe(self) -> None:
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> Province:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
