"""A CA and a server certificate for the tiers' TLS (tests and `hall-hil tiers`): the
same as a hall's broker gets (gateway/broker/certs.py), made in a scratch folder."""
from __future__ import annotations

from pathlib import Path

from gateway.broker import certs


def make(out: Path, hosts: list[str]) -> dict[str, Path]:
    """ca.pem, server.pem and server.key in `out`, the server named by every host (IP or DNS)."""
    made = certs.ensure(out, "tiers", hosts)
    files = {"ca": made.ca_pem, "cert": made.cert, "key": made.key}
    for p in files.values():
        p.chmod(0o644)  # a test's Mosquitto reads them after dropping to its own user
    return files
