"""Putting a backup back: only a copy whose audit chain is whole, only while no process has
the store open, and without losing the store it replaces (moved aside, not deleted)."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from gateway.store import LogReader, verify


class RestoreError(Exception):
    pass


def holders(db: Path) -> list[int]:
    """Processes with the store (or its WAL) open: a running gateway."""
    names = {str(db.resolve()), str(db.resolve()) + "-wal"}
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            fds = list((proc / "fd").iterdir())
            if any(os.readlink(fd) in names for fd in fds):
                found.append(int(proc.name))
        except OSError:
            continue  # gone, or not ours to look at
    return found


def hall_of(db: Path) -> str | None:
    with LogReader.open(db) as log:
        return log.hall()


def restore(backup: Path, data_dir: Path, hall_id: str | None = None, db_name: str = "hall.db") -> dict:
    ok, n, message = verify(backup)
    if not ok:
        raise RestoreError(f"{backup}: the audit chain is broken ({message}); nothing was changed")
    their = hall_of(backup)
    if hall_id is not None and their != hall_id:
        raise RestoreError(f"{backup} is a store of hall {their!r}, not {hall_id!r}; nothing was changed")
    db = data_dir / db_name
    busy = holders(db) if db.exists() else []
    if busy:
        raise RestoreError(f"{db} is open in process(es) {', '.join(map(str, busy))}: stop the gateway first "
                           "(systemctl stop hall-gateway); nothing was changed")
    data_dir.mkdir(parents=True, exist_ok=True)
    aside = None
    if db.exists():
        aside = data_dir / f"replaced-{time.strftime('%Y%m%dT%H%M%S')}"
        aside.mkdir()
        for p in (db, db.with_name(db_name + "-wal"), db.with_name(db_name + "-shm")):
            if p.exists():
                p.replace(aside / p.name)
    part = db.with_name(db_name + ".restoring")
    part.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(part)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    part.replace(db)
    ok, n, message = verify(db)
    if not ok:  # the disk under data_dir lost it: say so, the replaced store is beside it
        raise RestoreError(f"{db}: the restored copy does not verify ({message}); the replaced store is in {aside}")
    return {"records": n, "hall": their, "store": str(db), "replaced": str(aside) if aside else None}
