"""What was last published to each device, and its rev, kept in SQLite so
rev keeps growing across gateway restarts (a device ignores an older rev)
and an unchanged state is not sent again. A full disk does not stop a state
going out: it is recorded when there is room again."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

from gateway import disk
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
        self._unsaved: set[str] = set()  # sent while the disk was full: recorded at the next save
        self._full = False

    def changes(self, states: dict[str, dict]) -> list[tuple[str, str]]:
        """Return (device id, encoded payload) for every state that differs from
        the last one published, with its rev raised; record them."""
        out = []
        with self._lock:
            changed = []
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
                changed.append(dev)
                out.append((dev, payload))
            self._save(changed)
        return out

    def _save(self, devices: list[str]) -> None:
        """Record these (and any a full disk kept from being recorded). On a full disk the states
        still go out: the devices show them; only a restart before the next save would send
        again from an older rev."""
        self._unsaved.update(devices)
        if not self._unsaved:
            return
        try:
            with disk.transaction(self._db, "BEGIN"):
                self._db.executemany("INSERT OR REPLACE INTO desired (dev, rev, body) VALUES (?, ?, ?)",
                                     [(dev, *self._last[dev]) for dev in sorted(self._unsaved)])
        except disk.StoreFull as e:
            if not self._full:
                log.warning("desired states sent but not recorded (%d devices): %s", len(self._unsaved),
                            e.__cause__ or e)
            self._full = True
            return
        self._unsaved.clear()
        self._full = False

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
