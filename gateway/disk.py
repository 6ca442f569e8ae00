"""The disk under the hall's SQLite stores: whether an error means it is full, a write that never
hides the first error, and a watch that says "full" from a write refused for space until space
returns.

On a full disk SQLite has usually rolled the transaction back itself, so a ROLLBACK after it
raises "cannot rollback - no transaction is active" and hides the cause (an unexplained 500):
transaction() rolls back only a transaction still open and turns a write refused for space into
StoreFull, the original error its cause. The API answers StoreFull 503 with REASON_CN; the device
plane shows the pad the same and drops the press.

Each failed command costs the runtime a rebuild of the engine from the log (what is not on disk
did not happen), so while the disk is full the watch refuses writes at once, until the free
space grows or RETRY_S passes; the first write that goes through clears it."""
from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("hallgw.disk")

REASON_CN = "存储空间已满，请联系管理员"
REASON = "the store's disk is full"
SQLITE_FULL = 13  # the primary result code; extended codes keep it in their low byte
SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
RETRY_S = 10.0  # while full and no space freed: one real write tried this often
MB = 1024 * 1024


class StoreFull(Exception):
    """A write refused for want of space: nothing of it was applied (the cause: the original error)."""


def full(e: BaseException) -> bool:
    """Does this error mean the disk (or the owner's quota) is full?"""
    if isinstance(e, StoreFull):
        return True
    if isinstance(e, sqlite3.Error):
        code = getattr(e, "sqlite_errorcode", None)
        return (code & 0xFF) == SQLITE_FULL if code is not None else "disk is full" in str(e)
    return isinstance(e, OSError) and e.errno in SPACE_ERRNOS


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is still open, never raising over the error that led here."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback after a failed write failed too")


@contextmanager
def transaction(conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """One write transaction on a connection in autocommit mode (isolation_level=None). A write
    refused for space raises StoreFull from the original error; any other error is raised as it was."""
    try:
        conn.execute(begin)
        yield conn
        conn.execute("COMMIT")
    except BaseException as e:
        rollback(conn)
        if full(e) and not isinstance(e, StoreFull):
            raise StoreFull(f"{REASON}: {e}") from e
        raise


START_MIN_BYTES = 1024 * 1024  # below this the store cannot even open its WAL: the start is refused


def no_room_to_start(e: BaseException, folder: Path) -> str | None:
    """Why a store could not open, when it is the disk's doing (a full disk fails SQLite's opening
    as "disk I/O error" as often as "database or disk is full"): the line to print, else None."""
    if not isinstance(e, sqlite3.Error | OSError):
        return None
    here = Path(folder)
    while not here.exists() and here != here.parent:
        here = here.parent
    left = free_bytes(here)
    if not full(e) and left >= START_MIN_BYTES:
        return None
    return (f"{REASON_CN}：{here} 剩余 {size(left / 1024 / 1024)}，网关无法打开数据库；腾出空间后自动启动。"
            f" ({REASON}: {left} bytes free under {here}; the store could not open: {e})")


def free_bytes(folder: Path) -> int:
    """Free space for the gateway's own user (root's reserve not counted)."""
    return shutil.disk_usage(folder).free


@dataclass(frozen=True)
class Space:
    """The disk as the dashboard and /healthz show it."""
    free_mb: float
    warn_mb: int
    full: bool  # a write was refused for space and none has been freed since
    low: bool  # under the hall's warn_free_mb

    def text(self) -> str:
        """In the hall's words, with the free space (the alert's line on the dashboard)."""
        left = f"剩余 {size(self.free_mb)}"
        if self.full:
            return f"{REASON_CN}（{left}），取号、叫号、评价等暂时无法保存"
        if self.low:
            return f"存储空间不足：{left}，低于告警线 {line(self.warn_mb)}，请联系管理员清理"
        return f"存储空间正常：{left}"


NBSP = "\u00a0"  # a figure and its unit stay on one line


def line(mb: int) -> str:
    """The hall file's warning line, as it was set."""
    return f"{mb // 1024}{NBSP}GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb}{NBSP}MB"


def size(mb: float) -> str:
    if mb >= 1024:
        return f"{mb / 1024:.1f}{NBSP}GB"
    if mb < 0.05:
        return f"0{NBSP}MB"
    return f"{mb:.1f}{NBSP}MB" if mb < 10 else f"{mb:.0f}{NBSP}MB"


class Watch:
    """Whether the disk under one store is full, as its writes found it (thread-safe)."""

    def __init__(self, folder: str | Path, clock: Callable[[], float] = time.monotonic,
                 free: Callable[[Path], int] = free_bytes):
        self.folder = Path(folder)
        self._clock, self._free = clock, free
        self._lock = threading.Lock()
        self._since: float | None = None  # when a write was last refused for space (None: not full)
        self._free_then = 0
        self._tried = 0.0
        self._why = ""  # what SQLite (or the OS) said when the disk was found full
        self.refused = 0  # writes refused for space since the start (each counted once)

    def free(self) -> int:
        try:
            return self._free(self.folder)
        except OSError:
            return 0

    @property
    def full(self) -> bool:
        """A write was refused for space and no space has been freed since."""
        with self._lock:
            return self._since is not None and self.free() <= self._free_then

    def check(self, retry: bool = True) -> None:
        """Before a write: StoreFull at once while the disk is known full, unless space has been
        freed since or RETRY_S passed (then the write is tried: it alone can tell). retry False:
        a write that may wait (time passing) never takes the turn of one that may not."""
        if self._since is None:  # the usual case, on every command's path: no lock taken (as wrote())
            return
        with self._lock:
            if self._since is None:
                return
            now = self._clock()
            if self.free() > self._free_then or (retry and now - self._tried >= RETRY_S):
                self._tried = now
                return
            self.refused += 1
            why = self._why
        raise StoreFull(f"{REASON}: {why} (not tried again until space is freed: {self.free() // 1024} KiB free)")

    def failed(self, e: BaseException) -> None:
        """A write was refused for space (e: StoreFull from what SQLite or the OS said, or that)."""
        with self._lock:
            self.refused += 1
            self._free_then = self.free()
            self._tried = self._clock()
            self._why = str(e.__cause__ if isinstance(e, StoreFull) and e.__cause__ else e)
            first = self._since is None
            if first:
                self._since = self._tried
        if first:
            log.error("%s (%d KiB free under %s): %s; commands are refused (503) until space is freed",
                      REASON, self._free_then // 1024, self.folder, self._why)

    def wrote(self) -> None:
        """A write went through: the disk is not full (any more)."""
        if self._since is None:
            return
        with self._lock:
            was, self._since = self._since, None
        if was is not None:
            log.warning("the store's disk takes writes again (%d KiB free, full for %.0f s)",
                        self.free() // 1024, self._clock() - was)

    def space(self, warn_mb: int) -> Space:
        free = self.free()
        return Space(free_mb=free / MB, warn_mb=warn_mb, full=self.full, low=free < warn_mb * MB)


class Alarm:
    """The disk as the dashboard shows it: free space, the hall's warning line, and the alert
    (its text with the free space, since when) while it is short of room or full."""

    def __init__(self, watch: Watch, warn_mb: int, clock: Callable[[], float] = time.time):
        self.watch, self.warn_mb, self.clock = watch, warn_mb, clock
        self._state, self._since = "ok", None

    def view(self) -> dict:
        sp = self.watch.space(self.warn_mb)
        state = "full" if sp.full else "low" if sp.low else "ok"
        if state != self._state:
            self._state, self._since = state, None if state == "ok" else self.clock()
        return {"state": state, "free": size(sp.free_mb), "warn": line(sp.warn_mb), "text": sp.text(),
                "alert": None if state == "ok" else {"since": self._since, "text": sp.text()}}
