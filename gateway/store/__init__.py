"""Durable store: the command log (also the hash-chained audit log), device-event
dedup, the requests' Idempotency-Keys and engine snapshots, in one SQLite file (WAL,
synchronous=FULL).

CommandLog writes the log; LogReader is the one way to read it (its tables are this
package's own: tests/architecture/test_layering.py holds every other module to that)."""
from gateway.store.audit import canonical, verify
from gateway.store.log import CommandLog, KeptKey, RequestKey
from gateway.store.reader import Head, Link, LogReader, Scan

__all__ = ["CommandLog", "Head", "KeptKey", "Link", "LogReader", "RequestKey", "Scan", "canonical", "verify"]
