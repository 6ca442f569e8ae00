"""Appointments booked at the hall (预约, supervisor token): a citizen who phones or asks at the
desk gets a slot and a 6-digit code to check in with at the kiosk. The code is minted here (the
engine draws no random numbers); every booking and cancellation is a command in the log."""
# No `from __future__ import annotations`: the booking's model is made for the hall (its services
# and matters are enums), and FastAPI reads the route's parameter types from the annotations.
import datetime as dt
import secrets
import zoneinfo

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.api.contract import answers
from gateway.api.hall_values import HallValues, MatterOfService, Ruled
from gateway.engine import appointments as ap
from gateway.engine import reads

CODE_DIGITS = 6
MINT_TRIES = 5


def booking_body(v: HallValues) -> type[BaseModel]:
    """A booking of this hall: one of its services, and a matter of that service."""
    first, its = v.first["service"], v.matters_of.get(v.first["service"]) or ()

    class Booking(Ruled):
        rules = (MatterOfService(v.matters_of),)
        example = {"service": first, **({"matter": its[0]} if its else {}),
                   "start": "2026-12-09T09:30:00", "end": "2026-12-09T10:00:00"}
        service: v.service
        matter: v.matter | None = None
        start: dt.datetime = Field(description="the slot's start, in the hall's local time unless an offset is given")
        end: dt.datetime
    return Booking


def mint() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def view(eng, a: dict) -> dict:
    """An appointment as the supervisor reads it: local times, names beside codes."""
    svc = eng.hall.service(a["service"])
    matter = next((m.name for m in svc.matters if m.code == a["matter"]), None)
    local = eng.cal.local
    opens, closes = reads.check_in_span(eng, a)
    return {**a, "service_name": svc.name, "matter_name": matter, "state_name": ap.STATE_CN[a["state"]],
            "slot": f"{local(a['start']):%H:%M}-{local(a['end']):%H:%M}",
            "check_in": f"{local(opens):%H:%M}-{local(closes):%H:%M}"}


def add_routes(app: FastAPI, runtime, clock, supervisor: list, run, values: HallValues) -> None:
    tz = zoneinfo.ZoneInfo(runtime.hall.timezone)
    Booking = booking_body(values)

    def epoch(t: dt.datetime) -> float:
        return (t if t.tzinfo else t.replace(tzinfo=tz)).timestamp()

    @app.post("/api/v1/appointments", status_code=201, dependencies=supervisor,
              responses=answers(400, 401, 409, 422, ok=201),
              summary="Book an appointment at the hall (supervisor): a slot and its 6-digit code")
    def book(body: Booking):
        cmd = {"type": "book_appointment", "at": clock(), "service": body.service, "start": epoch(body.start),
               "end": epoch(body.end), "source": "hall"}
        if body.matter is not None:
            cmd["matter"] = body.matter
        for _ in range(MINT_TRIES):
            cmd["code"] = mint()
            out = run(cmd)
            if out.ok or "already in use" not in (out.refusal or ""):
                break
        if not out.ok:
            raise HTTPException(409, out.refusal)
        return JSONResponse(runtime.read(lambda eng: view(eng, out.result)), status_code=201)

    @app.get("/api/v1/appointments", dependencies=supervisor, responses=answers(401, 422),
             summary="The appointments of a day (supervisor; today unless day is given)")
    def listed(day: str | None = Query(default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="YYYY-MM-DD",
                                        json_schema_extra={"format": "date"})):
        if day is not None:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                raise HTTPException(422, f"day {day!r} is not a date (YYYY-MM-DD)") from None

        return runtime.read(lambda eng: [view(eng, a) for a in reads.appointments(eng, day)])

    @app.post("/api/v1/appointments/{aid}/cancel", dependencies=supervisor, responses=answers(401, 404, 409, 422),
              summary="Cancel a booked appointment (supervisor)")
    def cancel(aid: str):
        if runtime.read(lambda eng: reads.appointment(eng, aid)) is None:
            raise HTTPException(404, f"no appointment {aid!r}")
        out = run({"type": "cancel_appointment", "at": clock(), "appointment": aid})
        if not out.ok:
            raise HTTPException(409, out.refusal)
        return runtime.read(lambda eng: view(eng, out.result))
