"""Health, metrics and the systemd watchdog as a gateway extension (gateway/observe): GET /healthz
(JSON; 503 while failing), GET /metrics (Prometheus text format), and under systemd READY=1 /
WATCHDOG=1 after round trips through /healthz. It looks at the device plane, the upstream
delivery, the kiosk printer, the speakers and the clock, each when an extension provides it (WANTS: started
after those)."""
from __future__ import annotations

from gateway.extensions.context import Context
from gateway.extensions.ports import DEVICE_PLANE, HALL_CLOCK, PRINTER, SPEAKERS, UPSTREAM

# /healthz's answer while failing: the same picture as when well, with status "failing".
FAILING = {"description": "Failing: the checks say which part", "content": {"application/json": {"schema": {
    "type": "object", "required": ["status", "checks"],
    "properties": {"status": {"const": "failing"}, "checks": {"type": "object"}}}}}}
WANTS = (DEVICE_PLANE, UPSTREAM, PRINTER, SPEAKERS, HALL_CLOCK)


def create(ctx: Context):
    from fastapi import Response
    from fastapi.responses import JSONResponse

    from gateway.api.contract import PROMETHEUS, answers
    from gateway.observe import healthz, sdnotify
    from gateway.observe.metrics import CONTENT_TYPE, HallMetrics

    runtime, app = ctx.runtime, ctx.app
    parts = healthz.Parts(ctx.get(DEVICE_PLANE), ctx.get(UPSTREAM), ctx.get(PRINTER), ctx.get(SPEAKERS),
                         ctx.get(HALL_CLOCK))
    metrics = HallMetrics(runtime, ctx.clock, parts)
    if app is not None:
        @app.get("/healthz", tags=["operations"], responses={503: FAILING},
                 summary="store writable, broker linked, upstream, printer, clock synchronized")
        def health():
            got = healthz.gather(runtime, parts)
            return JSONResponse(got, status_code=503 if got["status"] == "failing" else 200)

        @app.get("/metrics", tags=["operations"], response_class=Response, responses=answers(content=PROMETHEUS),
                 summary="Prometheus text format")
        def scrape():
            return Response(metrics.render(), media_type=CONTENT_TYPE)

    watchdog = None
    if app is not None and sdnotify.notify_socket():
        interval = sdnotify.ping_interval()
        url = f"http://127.0.0.1:{ctx.settings.http_port}/healthz"
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
