"""What was last published to each device, and its rev, kept in SQLite so
rev keeps growing across gateway restarts (a device ignores an older rev)
and an unchanged state is not sent again."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

from protocols import desired as wire

log = logging.getLogger(__name__)


class Published:
    def __init__(self, path: Path):
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is enough: losing the last rev in a power cut only resends a state.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS desired (dev TEXT PRIMARY KEY, rev INTEGER NOT NULL, body TEXT NOT NULL)")
        self._lock = threading.Lock()
        self._last = {dev: (rev, body) for dev, rev, body in self._db.execute("SELECT dev, rev, body FROM desired")}

    def changes(self, states: dict[str, dict]) -> list[tuple[str, str]]:
        """Return (device id, encoded payload) for every state that differs from
        the last one published, with its rev raised; record them."""
        out = []
        with self._lock:
            rows = []
            for dev, d in states.items():
                body = json.dumps(d, sort_keys=True, ensure_ascii=False)
                rev, last = self._last.get(dev, (0, None))
                if body == last:
                    continue
                rev = rev + 1 if rev < wire.REV_MAX else 1
                try:
                    payload = wire.encode({**d, "rev": rev})
                except ValueError as e:
                    log.error("desired state for %s is invalid, not sent: %s", dev, e)
                    continue
                self._last[dev] = (rev, body)
                rows.append((dev, rev, body))
                out.append((dev, payload))
            if rows:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO desired (dev, rev, body) VALUES (?, ?, ?)", rows)
                self._db.execute("COMMIT")
        return out

    def last(self, devices, exclude=()) -> list[tuple[str, str]]:
        """(device id, encoded payload) of the last state published to each of devices, with
        its rev as it was sent (skipping those in exclude and those never sent)."""
        out = []
        with self._lock:
            for dev in devices:
                if dev in exclude or dev not in self._last:
                    continue
                rev, body = self._last[dev]
                try:
                    out.append((dev, wire.encode({**json.loads(body), "rev": rev})))
                except ValueError as e:   # a state stored by an older release the contract now refuses
                    log.error("last desired state for %s is invalid, not sent again: %s", dev, e)
        return out

    def rev(self, dev: str) -> int:
        return self._last.get(dev, (0, None))[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
