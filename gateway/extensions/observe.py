"""Health, metrics and the systemd watchdog as a gateway extension (gateway/observe), started
last so it sees every other: GET /healthz (JSON; 503 while failing), GET /metrics (Prometheus
text format), and under systemd READY=1 / WATCHDOG=1 after round trips through /healthz.

options used: app, clock, http_port, extensions (the started ones, by name)."""
from __future__ import annotations

import time

ORDER = 90
# /healthz's answer while failing: the same picture as when well, with status "failing".
FAILING = {"description": "Failing: the checks say which part", "content": {"application/json": {"schema": {
    "type": "object", "required": ["status", "checks"],
    "properties": {"status": {"const": "failing"}, "checks": {"type": "object"}}}}}}


def create(runtime, options: dict):
    from fastapi import Response
    from fastapi.responses import JSONResponse

    from gateway.api.contract import PROMETHEUS, answers
    from gateway.observe import healthz, sdnotify
    from gateway.observe.metrics import CONTENT_TYPE, HallMetrics

    running = options.setdefault("extensions", {})
    metrics = HallMetrics(runtime, options.get("clock") or time.time, running)
    app = options.get("app")
    if app is not None:
        @app.get("/healthz", tags=["operations"], responses={503: FAILING},
                 summary="store writable, broker linked, upstream, printer")
        def health():
            got = healthz.gather(runtime, running)
            return JSONResponse(got, status_code=503 if got["status"] == "failing" else 200)

        @app.get("/metrics", tags=["operations"], response_class=Response, responses=answers(content=PROMETHEUS),
                 summary="Prometheus text format")
        def scrape():
            return Response(metrics.render(), media_type=CONTENT_TYPE)

    watchdog = None
    if app is not None and sdnotify.notify_socket():
        interval = sdnotify.ping_interval()
        url = f"http://127.0.0.1:{options.get('http_port', 8080)}/healthz"
        watchdog = sdnotify.Watchdog(sdnotify.http_probe(url, timeout=interval or 5.0), interval)
    return Observe(runtime, metrics, watchdog)


class Observe:
    def __init__(self, runtime, metrics, watchdog):
        self.runtime, self.metrics, self.watchdog = runtime, metrics, watchdog

    def start(self) -> None:
        self.runtime.subscribe(self.metrics.on_events)
        if self.watchdog is not None:
            self.watchdog.start()

    def stop(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
