"""The supervisor's dashboard (/dashboard): the page and its push stream.

    GET /dashboard?key=K                  sets the HttpOnly cookie hall_supervisor, then the page
    GET /api/v1/dashboard                 the live picture once (JSON)
    GET /api/v1/stream/dashboard          Server-Sent Events: snapshot, then update / heartbeat
    GET/POST /api/v1/dashboard/me|signin|signout    who acts here (gateway/reports/signin.py)
    POST /api/v1/dashboard/followups/{fid}/actions  a 差评 follow-up action (reports/followup_actions.py)

The live picture is the engine's (gateway/reports/live.py), pushed through the pages' hub at
each commit that changes it. Device health, the kiosk printer, the upstream delivery and the
reporting store's progress are not in the command log: each stream looks at them at every
heartbeat (2 s) and sends an update when they changed, so the page never polls. The page
fetches a report (and its charts) when its filters change or the stream says the store moved."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi import HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from gateway.pages import sse
from gateway.reports import followup_actions, level_map_confirm, live, signin
from gateway.reports.api import supervisor_check, supervisor_page

STATIC = Path(__file__).resolve().parents[1] / "pages" / "static"
FILES = {"dashboard.js": "text/javascript", "dashboard-followups.js": "text/javascript",
         "dashboard-upstream.js": "text/javascript", "dashboard.css": "text/css"}
EXTRAS_TTL = 1.5  # one look at devices / printer / upstream serves every stream's heartbeat
NOT_AUTHORISED = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>监管看板</title>
<body style="font:28px sans-serif;padding:2em"><h1>需要监管口令</h1><p>请用 /dashboard?key=监管口令 打开本页。</p>"""
# Events that change what the dashboard shows (queue_changed, window_changed, alerts, ratings …).
SHOWN = frozenset({"ticket_issued", "ticket_called", "ticket_started", "ticket_finished", "ticket_no_show",
                   "ticket_transferred", "ticket_cancelled", "ticket_voided", "ticket_reset", "window_changed",
                   "queue_changed", "alert", "rating_recorded", "followup_created", "followup_changed",
                   "followup_overdue", "day_started", "evaluation_timed_out"})


def shown(upd):
    return upd if any(e.get("type") in SHOWN for e in upd.events) else None


class Extras:
    """What the dashboard shows beside the engine: devices, printer, upstream, the reports."""

    def __init__(self, options: dict, reports):
        self.options, self.reports = options, reports
        self._memo: tuple[float, dict] | None = None
        self._lock = threading.Lock()

    def upstream(self):
        """The running upstream service, if the hall has one started."""
        return (self.options.get("extensions") or {}).get("upstream")

    def forget(self) -> None:
        """Look again at the next call (something shown here has just changed)."""
        with self._lock:
            self._memo = None

    def __call__(self) -> dict:
        with self._lock:
            now = time.monotonic()
            if self._memo is None or now - self._memo[0] > EXTRAS_TTL:
                self._memo = (now, self._look())
            return self._memo[1]

    def _look(self) -> dict:
        out = {"reports": {"ready": self.reports.ready(), "seq": self.reports.seq(), "error": self.reports.error()}}
        running = self.options.get("extensions") or {}  # the started extensions, by name
        plane = getattr(running.get("devices"), "plane", None)
        if plane is not None:
            items = [{k: d[k] for k in ("id", "role", "window", "online", "last_seen", "firmware", "heap", "rssi")}
                     for d in plane.registry.listing()]
            out["devices"] = {"connected": bool(plane.link.connected), "online": sum(d["online"] for d in items),
                              "total": len(items), "items": items}
        else:
            out["devices"] = None
        kiosk = running.get("kiosk")
        if kiosk is not None and hasattr(kiosk, "monitor"):
            m = kiosk.monitor.view()
            out["printer"] = {k: m[k] for k in ("id", "state", "state_name", "since", "alert", "last_error")}
        else:
            out["printer"] = None
        up = self.upstream()
        try:
            out["upstream"] = up.status() if up is not None else None
        except Exception as e:  # a store being written cannot stop the dashboard
            out["upstream"] = {"error": str(e)}
        return out


def _changed(a: dict, b: dict) -> bool:
    """Ignoring each device's last_seen (it moves with every message): the rest is news."""
    def strip(x):
        x = dict(x)
        if x.get("devices"):
            x["devices"] = {**x["devices"], "items": [{k: v for k, v in d.items() if k != "last_seen"}
                                                        for d in x["devices"]["items"]]}
        return x
    return strip(a) != strip(b)


class Watch:
    """One stream's view: the live picture with the extras it last sent, and whether they moved."""

    def __init__(self, live_view, extras: Extras):
        self.live_view, self.extras, self.sent = live_view, extras, None

    def view(self) -> tuple[int, dict]:
        seq, data = self.live_view()
        self.sent = self.extras()
        return seq, {**data, **self.sent}

    def moved(self) -> bool:
        return self.sent is not None and _changed(self.extras(), self.sent)


def mount(app, runtime, hub, token: str | None, clock, closing: threading.Event, extras: Extras) -> None:
    check = supervisor_check(token)

    def view():
        now = clock()
        return hub.snapshot(lambda eng: live.picture(eng, now))

    def authorised(request: Request) -> None:
        check(request, request.headers.get("authorization"))

    desk = signin.Desk(runtime.hall, runtime.codes)
    signin.mount(app, desk, authorised)
    followup_actions.mount(app, runtime, clock, desk, authorised)
    level_map_confirm.mount(app, clock, desk, authorised, extras)

    @app.get("/dashboard", include_in_schema=False)
    def page(request: Request, key: str | None = Query(default=None)):
        return supervisor_page(request, key, token, "/dashboard", STATIC / "dashboard.html", NOT_AUTHORISED)

    @app.get("/dashboard/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in FILES:
            raise HTTPException(404, f"no file {name!r}")
        return FileResponse(STATIC / name, media_type=FILES[name], headers={"Cache-Control": "no-cache"})

    @app.get("/api/v1/dashboard", summary="The dashboard's live picture (supervisor)")
    def picture(request: Request):
        authorised(request)
        seq, data = view()
        return JSONResponse({**data, **extras(), "seq": seq})

    @app.get("/api/v1/stream/dashboard", summary="The dashboard's push stream (Server-Sent Events; supervisor)")
    def events(request: Request):
        authorised(request)
        sub = hub.subscribe(shown)  # before the snapshot: nothing falls between
        watch = Watch(view, extras)
        return sse.response(sse.stream(sub, watch.view, lambda: {"now": clock()}, closing, moved=watch.moved))
