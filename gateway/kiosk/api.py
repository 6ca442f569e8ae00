"""The kiosk's HTTP side: the page (/kiosk), its menu, taking a ticket, the printers' state, and
the ticket's phone page (/t/{id}?c=code, behind the slip's QR code) with its push stream.

The kiosk device holds its own token, never a clerk's: opened once as /kiosk?key=<kiosk token>
it gets an HttpOnly cookie signed with the hall's page key, never the token (the page's script
never sees a secret, and the key leaves the address bar), or a client sends Authorization:
Bearer <kiosk token>. Both are checked by the kiosk's one dependency (gateway/roles).
"""
# No `from __future__ import annotations`: the ticket's body is made for the hall (its services,
# matters, green channel categories are enums), and FastAPI reads the route's types from the
# annotations themselves.
import asyncio
import json
import threading
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.contract import SSE, answers
from gateway.api.hall_values import HallValues, MatterOfService, Ruled, ServiceUnlessLane, WithLane
from gateway.api.hall_values import of as hall_values
from gateway.api.once import KeyHeader, once_for
from gateway.api.refusals import PageRefusal
from gateway.kiosk import phone
from gateway.kiosk.service import Refused
from gateway.pages import sse
from gateway.pages.push import Closed, Dropped, hub_for
from gateway.roles import KIOSK, PRINTER_WATCH, Presented
from gateway.roles import page as role_page

STATIC = Path(__file__).parent / "static"
FILES = {"kiosk.js": "text/javascript", "kiosk.css": "text/css", "ticket.js": "text/javascript",
         "ticket.css": "text/css", "once.js": "text/javascript"}
ONCE_JS = Path(__file__).resolve().parents[1] / "pages" / "static" / "once.js"  # the console's too
# Events after which a ticket's page may read differently: its own, the line's, the windows', a rating.
PHONE_SHOWN = frozenset({"ticket_issued", "ticket_called", "ticket_started", "ticket_finished", "ticket_no_show",
                         "ticket_transferred", "ticket_cancelled", "ticket_voided", "ticket_reset", "queue_changed",
                         "window_changed", "rating_recorded", "evaluation_requested", "evaluation_timed_out",
                         "evaluation_cancelled", "day_started", "content_changed"})


def ticket_body(v: HallValues) -> type[BaseModel]:
    """The kiosk's ticket for this hall: department, service and matter as the citizen picks them
    (a service with matters needs one), the green channel with its category, or 预约签到."""
    first, its = v.first["service"], v.matters_of.get(v.first["service"]) or ()

    class KioskTicket(Ruled):
        rules = (ServiceUnlessLane("appointment"), MatterOfService(v.matters_of, needed=True),
                 WithLane("category", "green", "the green channel (绿色通道) needs a category, and only the green "
                                              "channel takes one"),
                 WithLane("appointment_code", "appointment",
                          "appointment_code goes with lane appointment (预约签到), and only there"))
        example = {"service": first, **({"matter": its[0]} if its else {}), "lane": "normal"}
        # 预约签到 may leave service and matter out: the appointment names them
        service: v.service | None = None
        matter: v.matter | None = None  # 事项编码
        lane: Literal["normal", "green", "appointment"] = "normal"
        category: v.green_category | None = None  # green channel: who
        appointment_code: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{4,16}$")  # 预约签到
    return KioskTicket


class KioskAnswer(BaseModel):
    """A ticket taken at the kiosk: printed, on screen only, or voided (503: the printer failed
    while printing); reason says what the citizen reads, in Chinese."""
    model_config = ConfigDict(extra="allow")
    ticket: dict
    printed: bool
    on_screen: bool
    voided: bool
    reason: str
    printer: dict


VOIDED = {503: {"model": KioskAnswer, "description": "The ticket was voided: the printer failed while printing "
                                                     "(reason, in Chinese)"}}


def _phone_shown(upd):
    return upd if any(e.get("type") in PHONE_SHOWN for e in upd.events) else None


def router(service, hub=None, closing: threading.Event | None = None) -> APIRouter:
    """hub: the pages' push hub (made for the runtime if not given); closing: set at shutdown,
    the phone pages' streams end. The kiosk's (and the supervisor's) token: in the app's keyring
    (gateway.roles.install)."""
    r = APIRouter()
    KioskTicket = ticket_body(hall_values(service.hall))
    hub = hub or hub_for(service.runtime)
    closing = closing or threading.Event()
    kiosk = Depends(KIOSK)
    once = once_for(service.runtime)

    @r.get("/kiosk", include_in_schema=False)
    def page(request: Request, who: Presented = kiosk):
        return role_page(request, who, STATIC / "kiosk.html")

    @r.get("/kiosk/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in FILES:
            raise HTTPException(404, f"no file {name!r}")
        return FileResponse(ONCE_JS if name == "once.js" else STATIC / name, media_type=FILES[name])

    @r.get("/api/v1/kiosk/menu", dependencies=[kiosk], responses=answers(401, 422),
           summary="Departments, services, matters (kiosk)")
    def menu():
        return service.menu()

    @r.post("/api/v1/kiosk/tickets", dependencies=[kiosk], status_code=201,
            responses={**answers(400, 401, 409, 422, ok=201, model=KioskAnswer), **VOIDED},
            summary="Take a ticket and print it (kiosk): printed, on screen only, or voided")
    def take(body: KioskTicket, key: KeyHeader = None):
        def taken(claim):
            try:
                status, answer = service.take(body, claim)
            except Refused as e:  # the citizen reads it: Chinese (detail), the English as reason
                raise PageRefusal(e.status, e.reason, service.hall) from None
            return JSONResponse(answer, status_code=status)

        def recovered(out):  # the gateway stopped between the ticket and its answer
            if not out.ok:
                raise PageRefusal(409, out.refusal, service.hall)
            status, answer = service.recovered(out.result, body)
            return JSONResponse(answer, status_code=status)
        return once.answer(key, {"route": "kiosk", "body": body.model_dump(mode="json")}, taken, recovered)

    # Behind the printed QR code: open, like a look-up by number; the 补充评价 code in the
    # address is what lets the citizen rate (POST /api/v1/ratings/supplementary).
    @r.get("/t/{tid}", include_in_schema=False)
    def ticket_page(tid: str):
        return FileResponse(STATIC / "ticket.html", media_type="text/html", headers={"Cache-Control": "no-store"})

    def view(tid: str, code: str | None) -> tuple[int, dict | None]:
        code = code.strip().upper() if code else None  # typed in by hand as well: case does not matter
        now = service.clock()
        return hub.snapshot(lambda eng: phone.view(eng, tid, code, now))

    @r.get("/api/v1/kiosk/progress/{tid}", responses=answers(404, 422),
           summary="Where a ticket of today stands, in words (open); with "
                   "c=<its 补充评价 code>, whether it may be rated now")
    def progress(tid: str, c: str | None = Query(default=None, max_length=32)):
        _seq, p = view(tid, c)
        if p is None:
            raise PageRefusal(404, f"no ticket {tid!r} today", service.hall)
        return p

    @r.get("/api/v1/stream/ticket/{tid}", response_class=StreamingResponse, responses=answers(404, 422, content=SSE),
           summary="The ticket's phone page, pushed (Server-Sent Events; open)")
    def stream(tid: str, c: str | None = Query(default=None, max_length=32)):
        sub = hub.subscribe(_phone_shown)  # before the first picture: nothing falls between
        seq, first = view(tid, c)
        if first is None:
            sub.close()
            raise PageRefusal(404, f"no ticket {tid!r} today", service.hall)
        return sse.response(_pushed(sub, lambda: view(tid, c), (seq, first), closing))

    @r.get("/api/v1/printers", dependencies=[Depends(PRINTER_WATCH)], responses=answers(401, 422),
           summary="Each printer's state, since when, the last error and its alert (kiosk or supervisor)")
    def printers():
        return [service.monitor.view()]

    return r


async def _pushed(sub, view, first: tuple[int, dict], closing: threading.Event):
    """A snapshot, then an update whenever the page would read differently (not at every commit
    of the hall), and a heartbeat every 2 s so the page can tell a dead link from a quiet queue."""
    try:
        yield f"retry: {sse.RETRY_MS}\n\n".encode()
        seq, shown = first
        yield sse.event("snapshot", {**shown, "seq": seq}, seq)
        while not closing.is_set():
            try:
                upd = await sub.next(sse.HEARTBEAT_S)
                while upd is not None and sub.pending():  # several commits: one picture of the newest
                    upd = await sub.next(0) or upd
            except (Dropped, Closed):
                return  # too slow, or shutting down: the page dials again and starts afresh
            if upd is None:
                yield sse.event("heartbeat", {"seq": seq})
                continue
            if upd.seq <= seq:
                continue
            seq, now = await asyncio.to_thread(view)  # the runtime's lock: not on the event loop
            if now is not None and json.dumps(now, sort_keys=True) != json.dumps(shown, sort_keys=True):
                shown = now
                yield sse.event("update", {**shown, "seq": seq}, seq)
    finally:
        sub.close()
