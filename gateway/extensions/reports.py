"""Reports and the supervisor's dashboard as a gateway extension (docs/REPORTS.md): the
reporting store data_dir/reports.db, opened at start (rebuilt from the command log when it is
missing, of an older schema, or folded from another log) on a thread of its own, then kept up
to date after every commit (the runtime pokes the follower; it never folds on the runtime's
lock); the report routes and the dashboard page with its push stream (through the pages' hub).
The dashboard also shows the devices, the kiosk printer and the upstream delivery, each when
an extension provides it, the free space of the store's disk (an alert below the hall file's
[storage] warn_free_mb, and while it is full), and sets the hall clock through the clock's watch
where one runs."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from gateway.extensions.context import Context
from gateway.extensions.ports import DEVICE_PLANE, HALL_CLOCK, PRINTER, PUSH_HUB, UPSTREAM
from gateway.runtime import DB_NAME

NEEDS = (PUSH_HUB,)
WANTS = (DEVICE_PLANE, PRINTER, UPSTREAM, HALL_CLOCK)
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


def create(ctx: Context):
    reports = Reports(ctx.runtime, ctx.data_dir)
    app = ctx.app
    if app is not None:
        from gateway.disk import Alarm
        from gateway.reports import api, dashboard
        from gateway.roles import install

        install(app, ctx.data_dir, supervisor=ctx.tokens.supervisor)
        app.include_router(api.router(reports, ctx.clock))
        disk = Alarm(ctx.runtime.store.space, ctx.runtime.hall.storage.warn_free_mb, ctx.clock)
        extras = dashboard.Extras(reports, ctx.get(DEVICE_PLANE), ctx.get(PRINTER), ctx.get(UPSTREAM), disk.view)
        dashboard.mount(app, ctx.runtime, ctx.need(PUSH_HUB), ctx.clock, ctx.closing, extras, ctx.get(HALL_CLOCK))
    return reports
