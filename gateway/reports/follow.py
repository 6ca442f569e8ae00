"""Keeps the reporting store up to date while the gateway runs: poked by the runtime after
each commit, a worker thread reads the log past the store's cursor and folds it.

Off the runtime's lock and thread: a key press never waits for the reports. The store is
opened (or rebuilt: a year of a county hall takes tens of seconds) on the same thread, so
the gateway serves tickets at once and the reports answer "not ready" meanwhile."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from gateway.disk import StoreFull
from gateway.reports.store import ReportStore

log = logging.getLogger("hallgw.reports")


class Follower:
    def __init__(self, store: ReportStore | Callable[[], ReportStore], log_db: str | Path,
                 idle_check: float = 5.0):
        self.store: ReportStore | None = store if isinstance(store, ReportStore) else None
        self._open = None if self.store is not None else store
        self.log_db, self.idle_check = Path(log_db), idle_check
        self.ready = threading.Event()
        self.error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.folded = 0
        self.seq = 0  # the store's cursor after the last fold
        self.listeners: list[Callable[[int], None]] = []  # called with the new cursor after each fold

    def poke(self, _events=None) -> None:
        """A runtime subscriber: something was committed."""
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reports-fold", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.store is None:
            try:
                self.store = self._open()
            except Exception as e:
                self.error = f"the reporting store could not be opened: {e}"
                log.exception("reports: %s", self.error)
                return
        self.seq = self.store.cursor
        self.ready.set()
        full = False
        while not self._stop.is_set():
            try:
                n = self.store.catch_up(self.log_db)
                full = False
            except StoreFull as e:  # said once; the next commit (or idle check) tries again
                if not full:
                    log.warning("reports: no room on the disk to fold the log: %s", e.__cause__ or e)
                full, n = True, 0
            except Exception:
                log.exception("reports: folding the log failed; trying again at the next commit")
                n = 0
            if n:
                self.folded += n
                self.seq = self.store.cursor
                for fn in list(self.listeners):
                    try:
                        fn(self.seq)
                    except Exception:
                        log.exception("reports: a listener failed")
            self._wake.wait(self.idle_check)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
