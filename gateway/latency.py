"""Latencies measured where they happen, one set per process (as devices.health.GATEWAY):
the runtime times each commit, the device link each key press until its desired state
is out. prometheus_client histograms are thread-safe and cost a few microseconds. At the
bottom of the layers (docs/ARCHITECTURE.md), so the runtime and the device plane can feed
what /metrics (gateway/observe, above them) shows."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

# An SD card's fsync takes 1-50 ms; a press should reach its display well under 100 ms.
FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REGISTRY = CollectorRegistry(auto_describe=True)
COMMIT = Histogram("hall_commit_seconds", "Runtime.submit until the command is on disk (lock wait, engine, "
                   "SQLite commit with fsync)", buckets=FAST, registry=REGISTRY)
PRESS_TO_DESIRED = Histogram("hall_press_to_desired_seconds", "A device event's arrival at the gateway until "
                             "its commit and the desired states it changed are handed to MQTT",
                             buckets=FAST, registry=REGISTRY)
