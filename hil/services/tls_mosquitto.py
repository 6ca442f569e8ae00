"""A Mosquitto with the devices' TLS listener beside its plain loopback one (which
the gateway stand-in uses), its server certificate from a hall CA made by
gateway/broker/certs.py as `hallgw mosquitto-config` makes it: for the firmware's
TLS tests and the TLS figures of `hall-bench tls`."""
from __future__ import annotations

from pathlib import Path

from gateway.broker import certs
from hil.services.mosquitto import Broker, free_port, wait_port

NAME = "hall-gw"  # the name on the server certificate that the devices check


class TlsBroker(Broker):
    def __init__(self, workdir: Path, names: tuple[str, ...] = (NAME,), tls: certs.Files | None = None):
        super().__init__(workdir)
        self.tls = tls or certs.ensure(self.workdir / "tls", "test-hall", [*names, "127.0.0.1"])
        self.tls_port = free_port()
        self.conf.write_text(self.conf.read_text() + f"listener {self.tls_port} 127.0.0.1\n"
                             f"cafile {self.tls.ca_pem}\ncertfile {self.tls.cert}\nkeyfile {self.tls.key}\n"
                             "tls_version tlsv1.2\n")

    def start(self) -> TlsBroker:
        super().start()
        wait_port(self.tls_port)
        return self

    def ca_der(self) -> bytes:
        return self.tls.ca_der.read_bytes()

    def __enter__(self) -> TlsBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
