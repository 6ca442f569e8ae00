"""Keeps the reporting store up to date while the gateway runs: poked by the runtime after
each commit, a worker thread reads the log past the store's cursor and folds it.

Off the runtime's lock and thread: a key press never waits for the reports."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from gateway.reports.store import ReportStore

log = logging.getLogger("hallgw.reports")


class Follower:
    def __init__(self, store: ReportStore, log_db: str | Path, idle_check: float = 5.0):
        self.store, self.log_db, self.idle_check = store, Path(log_db), idle_check
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.folded = 0

    def poke(self, _events=None) -> None:
        """A runtime subscriber: something was committed."""
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reports-fold", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.idle_check)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.folded += self.store.catch_up(self.log_db)
            except Exception:
                log.exception("reports: folding the log failed; trying again at the next commit")

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
