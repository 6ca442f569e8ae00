"""/healthz: can the gateway still do its job? One answer for a monitor, a load balancer and
the systemd watchdog.

  failing (503)  the engine does not answer, the store cannot be written (its disk is full: a write
                 was refused for space and none has been freed since), the broker is not linked
  degraded (200) the hall works, something needs a person: 差评 records in dead letter, delivery
                 held or failing, the kiosk printer unable to print, the hall's speakers silent
                 (no sound card, aplay failing), less free space than the hall file's
                 [storage] warn_free_mb, the clock not synchronized
                 (a Pi without NTP or a battery RTC: times may be yesterday's; reason says so)
  ok (200)

The store is probed with a real write (a row in its own table, synchronous=FULL): a read-only
remount or a full SD card shows here before a citizen's key press finds it."""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway import disk
from gateway.clock import words as clock_words
from gateway.config.storage import Storage
from gateway.engine import reads
from gateway.printer.status import PRINTABLE

PROBE = "CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at REAL NOT NULL)"


def probe_store(db: Path, warn_mb: int = Storage.warn_free_mb, watch: disk.Watch | None = None) -> dict:
    """A real write, and the disk under it (watch: the command log's, which knows a full disk
    from the writes it saw refused)."""
    watch = watch or disk.Watch(db.parent)
    try:
        conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, isolation_level=None, timeout=5)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(PROBE)
            conn.execute("INSERT OR REPLACE INTO health_probe VALUES (1, ?)", (time.time(),))
        finally:
            conn.close()
    except sqlite3.Error as e:
        if disk.full(e):
            watch.failed(e)
        return {"ok": False, "error": str(e), "full": disk.full(e) or watch.full, **_space(watch, warn_mb)}
    return {"ok": not watch.full, "full": watch.full, **_space(watch, warn_mb)}


def _space(watch: disk.Watch, warn_mb: int) -> dict:
    sp = watch.space(warn_mb)
    return {"disk_free_mb": round(sp.free_mb, 1), "warn_free_mb": warn_mb, "low_disk": sp.low}


def verdict(checks: dict) -> str:
    """Pure: the checks (as gathered below) -> ok | degraded | failing."""
    if not checks["runtime"]["ok"] or not checks["store"]["ok"]:
        return "failing"
    broker = checks.get("broker")
    if broker is not None and not broker["linked"]:
        return "failing"
    worry = checks["store"].get("low_disk")
    for d in (checks.get("upstream") or {}).get("destinations", ()):
        worry = worry or d["dead_letter"] > 0 or bool(d.get("held")) or (d["pending"] > 0 and bool(d["last_error"]))
    printer = checks.get("printer")
    if printer is not None and printer["state"] not in PRINTABLE + ("none",):
        worry = True
    audio = checks.get("audio")
    if audio is not None and audio["ok"] is False:
        worry = True
    clock = checks.get("clock")
    if clock is not None and clock["synced"] is False:
        worry = True
    return "degraded" if worry else "ok"


@dataclass(frozen=True)
class Parts:
    """The parts outside the command log that /healthz and /metrics look at; None: not running here."""
    plane: Any = None      # the device plane (gateway/devices/plane.py)
    upstream: Any = None   # the 好差评 delivery (gateway/upstream/service.py: Upstream or Unavailable)
    printer: Any = None    # the kiosk printer's monitor (gateway/kiosk/monitor.py)
    speakers: Any = None   # the announcer's speakers (gateway/audio/health.py)
    clock: Any = None      # the clock's watch (gateway/clock/watch.py): what the probe says now


def gather(runtime, parts: Parts) -> dict:
    checks: dict = {}
    t0 = time.perf_counter()
    # blocks while the runtime is hung
    day, seq, clock = runtime.read(lambda eng: (reads.day(eng), runtime.store.seq, reads.clock(eng)))
    checks["runtime"] = {"ok": True, "day": day, "seq": seq, "answered_ms": round((time.perf_counter() - t0) * 1e3, 2)}
    checks["store"] = probe_store(Path(runtime.store.path), runtime.hall.storage.warn_free_mb, runtime.store.space)
    if parts.plane is not None:
        link = parts.plane.link
        checks["broker"] = {"linked": bool(link.connected), "address": f"{link.host}:{link.port}"}
    if parts.upstream is not None:
        st = parts.upstream.status()
        checks["upstream"] = {"enabled": st["enabled"], "destinations": [
            {k: d.get(k) for k in ("name", "pending", "dead_letter", "delivered", "held", "last_error",
                                   "last_delivered_at", "oldest_pending_since")} for d in st["destinations"]]}
    if parts.printer is not None:
        v = parts.printer.view()
        checks["printer"] = {k: v[k] for k in ("id", "state", "state_name", "since", "last_error")}
    if parts.speakers is not None:
        checks["audio"] = parts.speakers.view()  # ok None: nothing played or checked yet
    said = clock_words.health(clock)  # the log's facts of the clock; None: none logged (no watch)
    if said is not None:
        reading = getattr(parts.clock, "reading", None)
        checks["clock"] = {**said, "detail": reading.detail if reading is not None else None}
    return {"status": verdict(checks), "checks": checks}
