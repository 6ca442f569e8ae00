"""Reports and the supervisor's dashboard as a gateway extension (docs/REPORTS.md): the
reporting store data_dir/reports.db, opened at start (rebuilt from the command log when it is
missing, of an older schema, or folded from another log) on a thread of its own, then kept up
to date after every commit (the runtime pokes the follower; it never folds on the runtime's
lock); the report routes and the dashboard page with its push stream.

options used: app, data_dir, clock, closing, supervisor_token, push_hub (made if absent),
extensions (the started devices, kiosk and upstream, each shown on the dashboard when present)."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from gateway.runtime import DB_NAME

ORDER = 75  # after the devices (50), upstream (65), kiosk (66) and the pages' hub (70)
log = logging.getLogger("hallgw.reports")


class Reports:
    def __init__(self, runtime, data_dir: Path):
        from gateway.reports.follow import Follower
        from gateway.reports.store import DB_NAME as REPORTS_DB
        from gateway.reports.store import ReportStore

        self.hall = runtime.hall
        path, log_db = data_dir / REPORTS_DB, data_dir / DB_NAME

        def open_store():
            t0 = time.monotonic()
            store, why = ReportStore.opened(path, self.hall, log_db)
            if why:
                log.info("reports: rebuilt %s from the command log in %.1f s (%s)", path, time.monotonic() - t0, why)
            return store

        self.follower = Follower(open_store, log_db)
        runtime.subscribe(self.follower.poke)

    def ready(self) -> bool:
        return self.follower.ready.is_set()

    def seq(self) -> int:
        return self.follower.seq

    def error(self) -> str | None:
        return self.follower.error

    def store_or_503(self):
        from fastapi import HTTPException

        if not self.ready():
            raise HTTPException(503, self.error() or "the reports are being built from the command log: "
                                                     "ask again in a minute", headers={"Retry-After": "10"})
        return self.follower.store

    def report(self, store, kind, date, first, last, window, service, staff, now) -> dict:
        from gateway.reports.report import report

        return report(store, self.hall, kind, date, first, last, window, service, staff, now)

    def start(self) -> None:
        self.follower.start()

    def stop(self) -> None:
        self.follower.stop()
        if self.follower.store is not None:
            self.follower.store.close()


def create(runtime, options: dict):
    data_dir = Path(options.get("data_dir") or "data")
    reports = Reports(runtime, data_dir)
    app = options.get("app")
    if app is not None:
        from gateway.pages.push import hub_for
        from gateway.reports import api, dashboard
        from gateway.roles import install, load_supervisor_token

        install(app, data_dir, supervisor=options.get("supervisor_token") or load_supervisor_token(data_dir)[0])
        clock = options.get("clock") or time.time
        app.include_router(api.router(reports, clock))
        hub = options.get("push_hub") or hub_for(runtime)
        options["push_hub"] = hub
        extras = dashboard.Extras(options, reports)
        dashboard.mount(app, runtime, hub, clock, options.get("closing") or threading.Event(), extras)
    return reports
