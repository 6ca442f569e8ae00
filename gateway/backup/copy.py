"""One online backup of the store, and pruning the old ones.

sqlite3's backup API copies the store as of one read transaction (WAL: the gateway keeps
committing meanwhile). The copy is written as <name>.partial, checked (quick_check), fsynced and
only then renamed, so a half-written file never looks like a backup; it is a plain rollback-
journal database, one file, openable anywhere."""
from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from gateway.store import LogReader

NAME = re.compile(r"^hall-(?P<hall>[A-Za-z0-9_.-]+)-(?P<stamp>\d{8}T\d{6})\.db$")


@dataclass(frozen=True)
class Made:
    path: Path
    seq: int          # the last command record in it
    bytes: int
    seconds: float


def file_name(hall_id: str, at: float) -> str:
    return f"hall-{hall_id}-{time.strftime('%Y%m%dT%H%M%S', time.localtime(at))}.db"


def backups(folder: Path, hall_id: str | None = None) -> list[Path]:
    """The finished backups in folder, oldest first (by the time in their names)."""
    if not folder.is_dir():
        return []
    found = [(m["stamp"], p) for p in folder.iterdir()
             if (m := NAME.match(p.name)) and (hall_id is None or m["hall"] == hall_id)]
    return [p for _, p in sorted(found)]


def stamp_of(path: Path) -> float:
    return time.mktime(time.strptime(NAME.match(path.name)["stamp"], "%Y%m%dT%H%M%S"))


def make(db: Path, folder: Path, hall_id: str, at: float | None = None) -> Made:
    at = time.time() if at is None else at
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / file_name(hall_id, at)
    part = final.with_name(final.name + ".partial")
    part.unlink(missing_ok=True)
    t0 = time.perf_counter()
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(part, isolation_level=None)
        try:
            src.backup(dst)  # all pages in one step: one consistent read transaction
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            bad = dst.execute("PRAGMA quick_check").fetchone()[0]
            if bad != "ok":
                raise sqlite3.DatabaseError(f"the copy fails its check: {bad}")
        finally:
            dst.close()
        with LogReader.open(part) as log:
            seq = log.head().seq
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    fd = os.open(part, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    part.replace(final)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)  # the rename is on disk too
    finally:
        os.close(dfd)
    return Made(final, seq, final.stat().st_size, time.perf_counter() - t0)


def prune(folder: Path, hall_id: str, keep_days: float, now: float | None = None) -> list[Path]:
    """Remove this hall's backups older than keep_days; the newest is always kept."""
    now = time.time() if now is None else now
    mine = backups(folder, hall_id)
    gone = [p for p in mine[:-1] if now - stamp_of(p) > keep_days * 86400]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone


def note(db: Path, made: Made, at: float) -> None:
    """Record the backup in the store itself (schema 2's table), for /metrics and the log."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=10)
    try:
        conn.execute("INSERT OR REPLACE INTO backups VALUES (?, ?, ?, ?, ?)",
                     (at, str(made.path), made.seq, made.bytes, made.seconds))
    finally:
        conn.close()


def last(db: Path) -> dict | None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT at, file, seq, bytes, seconds FROM backups ORDER BY at DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return dict(zip(("at", "file", "seq", "bytes", "seconds"), row, strict=True)) if row else None
