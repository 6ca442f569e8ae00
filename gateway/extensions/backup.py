"""Scheduled online backups as a gateway extension: with `hallgw run --backup-dir FOLDER` a
backup every --backup-every-hours (24) and backups older than --backup-keep-days (14) removed.
The schedule counts from the newest backup in the folder, so restarts neither skip nor
repeat one. Wall-clock time, not the hall's clock. A failed backup is logged and tried again
in an hour; /metrics shows the last one (hall_backup_last_timestamp_seconds)."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from gateway.extensions.context import Context, Settings

RETRY_SECONDS = 3600.0
log = logging.getLogger("hallgw.backup")


def create(ctx: Context):
    s = ctx.settings
    if not s.backup_dir:
        return None
    default = Settings()  # 0 hours or days: the defaults, as ever (a backup every instant is no schedule)
    return Backups(ctx.runtime, Path(s.backup_dir), float(s.backup_every_hours or default.backup_every_hours),
                   float(s.backup_keep_days or default.backup_keep_days))


class Backups:
    def __init__(self, runtime, folder: Path, every_hours: float, keep_days: float, now=time.time):
        self.db = Path(runtime.store.path)
        self.hall = runtime.hall.id
        self.folder, self.every, self.keep_days, self.now = folder, every_hours * 3600, keep_days, now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.made: list = []

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)  # an unwritable folder fails here, at start
        self._thread = threading.Thread(target=self._run, name="hall-backup", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def due_in(self) -> float:
        from gateway.backup import copy
        have = copy.backups(self.folder, self.hall)
        return 0.0 if not have else max(0.0, copy.stamp_of(have[-1]) + self.every - self.now())

    def once(self) -> None:
        from gateway.backup import copy
        at = self.now()
        made = copy.make(self.db, self.folder, self.hall, at)
        copy.note(self.db, made, at)
        gone = copy.prune(self.folder, self.hall, self.keep_days, at)
        self.made.append(made)
        log.info("backup %s: records 1..%d, %.1f MB in %.2f s%s", made.path, made.seq, made.bytes / 2**20,
                 made.seconds, f"; removed {len(gone)} older than {self.keep_days:g} days" if gone else "")

    def _run(self) -> None:
        wait = self.due_in()
        while not self._stop.wait(wait):
            try:
                self.once()
                wait = self.every
            except Exception:
                log.exception("backup into %s failed; trying again in an hour", self.folder)
                wait = RETRY_SECONDS
