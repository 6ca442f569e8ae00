"""Durable store: the command log (also the hash-chained audit log), device-event
dedup and engine snapshots, in one SQLite file (WAL, synchronous=FULL)."""
from gateway.store.audit import canonical, verify
from gateway.store.log import CommandLog

__all__ = ["CommandLog", "canonical", "verify"]
