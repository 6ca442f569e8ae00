"""A real Mosquitto for a test: hil.services.mosquitto.Broker (free loopback port,
TCP_NODELAY, persistence, restart) plus what tests need on top: extra config
lines (passwords, ACL) or a whole generated conf, the log, and `with`."""
from __future__ import annotations

from pathlib import Path

from hil.services.mosquitto import Broker, free_port, mosquitto_binary, wait_port

__all__ = ["Mosquitto", "free_port", "mosquitto_binary", "wait_port"]


class Mosquitto(Broker):
    def __init__(self, workdir: Path, port: int | None = None, extra: str = "", conf: Path | None = None):
        super().__init__(workdir, port)
        if extra:  # e.g. password_file / acl_file instead of anonymous access
            self.conf.write_text(self.conf.read_text().replace("allow_anonymous true\n", extra))
        if conf is not None:
            self.conf = Path(conf)

    def restart(self, down_seconds: float = 0.0) -> None:
        super().restart(down_seconds)

    def log(self) -> str:
        p = self.workdir / "mosquitto.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
