"""The supervisor's dashboard (/dashboard): the page and its push stream.

    GET /dashboard?key=K                  sets the signed HttpOnly cookie hall_supervisor, then the page
    GET /api/v1/dashboard                 the live picture once (JSON)
    GET /api/v1/stream/dashboard          Server-Sent Events: snapshot, then update / heartbeat
    GET/POST /api/v1/dashboard/me|signin|signout    who acts here (gateway/reports/signin.py)
    POST /api/v1/dashboard/followups/{fid}/actions  a 差评 follow-up action (reports/followup_actions.py)
    POST /api/v1/dashboard/clock          set the hall clock from this browser (reports/clock_action.py)

The live picture is the engine's (gateway/reports/live.py), pushed through the pages' hub at
each commit that changes it. Device health, the kiosk printer, the upstream delivery, the
reporting store's progress and the disk's free space are not in the command log: each stream
looks at them at every heartbeat (2 s) and sends an update when they changed, so the page never
polls (the free space as shown, to the MB: not every write is news). The page
fetches a report (and its charts) when its filters change or the stream says the store moved."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi import Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from gateway.api.contract import SSE, answers
from gateway.pages import sse
from gateway.reports import clock_action, followup_actions, level_map_confirm, live, signin
from gateway.roles import SUPERVISOR, Presented, page

STATIC = Path(__file__).resolve().parents[1] / "pages" / "static"
FILES = {"dashboard.js": "text/javascript", "dashboard-followups.js": "text/javascript",
         "dashboard-upstream.js": "text/javascript", "dashboard.css": "text/css"}
EXTRAS_TTL = 1.5  # one look at devices / printer / upstream serves every stream's heartbeat
# Events that change what the dashboard shows (queue_changed, window_changed, alerts, ratings …).
SHOWN = frozenset({"ticket_issued", "ticket_called", "ticket_started", "ticket_finished", "ticket_no_show",
                   "ticket_transferred", "ticket_cancelled", "ticket_voided", "ticket_reset", "window_changed",
                   "queue_changed", "alert", "rating_recorded", "followup_created", "followup_changed",
                   "followup_overdue", "day_started", "evaluation_timed_out", "clock_changed"})


def shown(upd):
    return upd if any(e.get("type") in SHOWN for e in upd.events) else None


class Extras:
    """What the dashboard shows beside the engine: devices, printer, upstream, the reports."""

    def __init__(self, reports, plane=None, printer=None, upstream=None, storage=None):
        # each None when no extension provides it here (gateway/extensions/ports.py); storage: the
        # disk's view (gateway/disk.py Alarm.view), its alert kept there, not by the engine
        self.reports, self.plane, self.printer, self.upstream = reports, plane, printer, upstream
        self.storage = storage
        self._memo: tuple[float, dict] | None = None
        self._lock = threading.Lock()

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
        plane = self.plane
        if plane is not None:
            floods = plane.budget.floods()  # devices past their budget: dropped in this episode so far
            items = [{**{k: d[k] for k in ("id", "role", "window", "online", "last_seen", "firmware", "heap", "rssi", "pm")},
                      "dropped": floods.get(d["id"], 0)} for d in plane.registry.listing()]
            out["devices"] = {"connected": bool(plane.link.connected), "online": sum(d["online"] for d in items),
                              "total": len(items), "items": items, "floods": floods}
        else:
            out["devices"] = None
        if self.printer is not None:
            m = self.printer.view()
            out["printer"] = {k: m[k] for k in ("id", "state", "state_name", "since", "alert", "last_error")}
        else:
            out["printer"] = None
        out["storage"] = self.storage() if self.storage is not None else None
        up = self.upstream
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


def merged(data: dict, extras: dict) -> dict:
    """The engine's picture with what the shell adds; a flooding device's alert counts on."""
    out = {**data, **extras}
    if "alerts" in data:
        out["alerts"] = live.with_flood_counts(data["alerts"], (extras.get("devices") or {}).get("floods"))
    return out


class Watch:
    """One stream's view: the live picture with the extras it last sent, and whether they moved."""

    def __init__(self, live_view, extras: Extras):
        self.live_view, self.extras, self.sent = live_view, extras, None

    def view(self) -> tuple[int, dict]:
        seq, data = self.live_view()
        self.sent = self.extras()
        return seq, merged(data, self.sent)

    def moved(self) -> bool:
        return self.sent is not None and _changed(self.extras(), self.sent)


def mount(app, runtime, hub, clock, closing: threading.Event, extras: Extras, watch=None) -> None:
    """The routes, behind the supervisor's one dependency (its token in the app's keyring).
    watch: the clock's (gateway/clock/watch.py), None where none runs."""
    def view():
        now = clock()
        return hub.snapshot(lambda eng: live.picture(eng, now))

    desk = signin.Desk(runtime.hall, runtime.codes)
    signin.mount(app, desk)
    followup_actions.mount(app, runtime, clock, desk)
    level_map_confirm.mount(app, clock, desk, extras)
    clock_action.mount(app, runtime, watch, desk)
    supervisor = [Depends(SUPERVISOR)]

    @app.get("/dashboard", include_in_schema=False)
    def dashboard(request: Request, who: Presented = Depends(SUPERVISOR)):
        return page(request, who, STATIC / "dashboard.html")

    @app.get("/dashboard/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in FILES:
            raise HTTPException(404, f"no file {name!r}")
        return FileResponse(STATIC / name, media_type=FILES[name], headers={"Cache-Control": "no-cache"})

    @app.get("/api/v1/dashboard", dependencies=supervisor, responses=answers(401, 422),
             summary="The dashboard's live picture (supervisor)")
    def picture():
        seq, data = view()
        return JSONResponse({**merged(data, extras()), "seq": seq})

    @app.get("/api/v1/stream/dashboard", dependencies=supervisor, response_class=StreamingResponse,
             responses=answers(401, 422, content=SSE),
             summary="The dashboard's push stream (Server-Sent Events; supervisor)")
    def events():
        sub = hub.subscribe(shown)  # before the snapshot: nothing falls between
        watch = Watch(view, extras)
        return sse.response(sse.stream(sub, watch.view, lambda: {"now": clock()}, closing, moved=watch.moved))
