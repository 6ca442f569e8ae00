"""FastAPI app: POST tickets (kiosk or clerk token), 补充评价 (open to the citizen, who holds
the code), clerk actions (clerk token), 差评 follow-ups (supervisor token), read views.

Every change goes through runtime.submit, so it is committed before the answer. Taking a
ticket and a clerk's action take an Idempotency-Key: a retried request is applied once and
answered as the first time (gateway/api/once.py). Input is checked twice: pydantic for the body's shape, then the engine's own
command check, so bad input gets a 4xx with a reason and changes nothing. The request models
are made for the hall at creation (its services, matters, windows, supervisors are enums in the
document) and each route declares its answers where it is defined (gateway/api/contract.py).
"""
# No `from __future__ import annotations`: the routes' parameters are typed with the models made
# for this hall inside create_app, which FastAPI reads from the annotations themselves.
import secrets
import time
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from gateway.api import appointments, refusals, views
from gateway.api import models as m
from gateway.api.actions import clerk_actions
from gateway.api.contract import NOTE_BODY, JsonInt, answers
from gateway.api.hall_values import HallValues, MatterOfService, Ruled, WithLane
from gateway.api.hall_values import of as hall_values
from gateway.api.once import KeyHeader, once_for, outcome_answer
from gateway.engine import reads
from gateway.engine.commands import CALLBACK_RESULTS, FOLLOWUP_ACTIONS, NOTE_MAX, SUP_ALPHABET, problem
from gateway.engine.followup import STATUSES
from gateway.engine.tickets import code_in_use
from gateway.roles import CLERK, SUPERVISOR, TICKET_TAKER, install

# The clerk actions (no "rate": a rating comes only from the window's evaluator, never from
# the clerk whose service it judges, 评价不得干预): gateway/api/actions.py.
SUP_CODE_CHARS = 8  # 32**8 = 2**40 codes: not guessable in the days one stays valid
MINT_TRIES = 5


def mint_code() -> str:
    return "".join(secrets.choice(SUP_ALPHABET) for _ in range(SUP_CODE_CHARS))


def issue_with_code(run: Callable[[dict], object], hall, cmd: dict):
    """Submit issue_ticket with a fresh 补充评价 code (minted again if it is taken); the outcome.
    Random here, not in the engine: replay reads the code from the logged command."""
    if hall.evaluation.supplementary_days <= 0:
        return run(cmd)
    for _ in range(MINT_TRIES):
        cmd["sup_code"] = mint_code()
        out = run(cmd)
        if out.ok or out.refusal != code_in_use(cmd["sup_code"]):
            break
    return out


def allow_every_method(app: FastAPI) -> None:
    """A 405 names every method the path takes (Starlette's names only the first route's, so a
    path with GET and POST on two routes would answer OPTIONS with "Allow: POST")."""
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:
            methods = set()
            for route in app.router.routes:
                if isinstance(route, Route) and route.path_regex.match(request.url.path):
                    methods |= route.methods or set()
            if methods:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(methods))}
        return await http_exception_handler(request, exc)


APPOINTMENT_CODE = r"^[0-9A-Za-z]{4,16}$"  # 预约签到: the code the citizen was given
Lane = Literal["normal", "green", "appointment"]
ReasonCode = Annotated[str, Field(min_length=1, max_length=16)]  # a 差评 reason's code, as the engine takes it


def ticket_body(v: HallValues) -> type[BaseModel]:
    """POST /api/v1/tickets's body for this hall: its services, each with its own matters."""
    class TicketRequest(Ruled):
        rules = (MatterOfService(v.matters_of),
                 WithLane("appointment_code", "appointment",
                          "appointment_code goes with lane appointment (预约签到), and only there"))
        example = {"service": v.first["service"], "lane": "normal"}
        service: v.service
        lane: Lane = "normal"
        matter: v.matter | None = None  # 事项编码, if the kiosk asked
        appointment_code: str | None = Field(default=None, pattern=APPOINTMENT_CODE)  # 预约签到: lane appointment
    return TicketRequest


class SupplementaryRating(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32, description="the code printed on the ticket (any case)")
    level: JsonInt = Field(ge=1, le=5, description="1 非常不满意 … 5 非常满意")
    reasons: list[ReasonCode] = Field(default_factory=list, max_length=16, description="差评 reasons' codes")


def followup_body(v: HallValues) -> type[BaseModel]:
    """A follow-up action by one of this hall's supervisors: four eyes needs two real people,
    not two names typed in."""
    class FollowupAction(BaseModel):
        model_config = ConfigDict(extra="forbid")
        action: Literal[FOLLOWUP_ACTIONS]
        by: v.supervisor
        note: str | None = Field(default=None, min_length=1, max_length=NOTE_MAX)
        result: Literal[CALLBACK_RESULTS] | None = None
    return FollowupAction


def create_app(runtime, token: str, clock: Callable[[], float] = time.time,
               supervisor_token: str | None = None, kiosk_token: str | None = None) -> FastAPI:
    """supervisor_token None: the follow-up endpoints answer 401 to everyone. Tickets are taken
    with the kiosk's token or a clerk's (a clerk taking one for a citizen at the window); with
    neither, anyone on the hall's network could fill the queue with phantom numbers."""
    if supervisor_token is not None and supervisor_token == token:
        raise ValueError("the supervisor token must differ from the clerk token")
    if kiosk_token is not None and kiosk_token in (token, supervisor_token):
        raise ValueError("the kiosk token must differ from the clerk and supervisor tokens")
    hall = runtime.hall
    app = FastAPI(title=f"{hall.name} gateway API", version="1",
                  description="Tickets, windows, queue, statistics and 好差评 follow-ups of the hall")
    allow_every_method(app)
    refusals.install(app)  # the pages' answers: detail in Chinese, reason the engine's English
    install(app, runtime.data_dir, clerk=token, supervisor=supervisor_token, kiosk=kiosk_token)  # gateway/roles
    clerk = [Depends(CLERK)]
    supervisor = [Depends(SUPERVISOR)]
    taker = [Depends(TICKET_TAKER)]
    values = hall_values(hall)  # the hall's services, matters, windows, staff: enums of the request models
    TicketRequest, FollowupAction, ClerkAction = ticket_body(values), followup_body(values), clerk_actions(values)
    window_numbers = {w.number: w for w in hall.windows}
    once = once_for(runtime)

    def run(cmd: dict, key=None):
        why = problem(cmd, window_numbers)
        if why:
            raise HTTPException(422, why)
        return runtime.submit(cmd, key=key)

    def submit(cmd: dict, created: bool = False, key=None):
        out = run(cmd, key)
        if not out.ok:
            raise HTTPException(409, out.refusal)
        return JSONResponse(out.result or {}, status_code=201 if created else 200)

    @app.post("/api/v1/tickets", status_code=201, dependencies=taker,
              responses=answers(400, 401, 409, 422, ok=201, model=m.Ticket),
              summary="Take a ticket (kiosk or clerk token; the kiosk page uses /api/v1/kiosk/tickets)")
    def issue(req: TicketRequest, key: KeyHeader = None):
        def take(claim):
            cmd = {"type": "issue_ticket", "at": clock(), "service": req.service, "lane": req.lane}
            for k in ("matter", "appointment_code"):
                if getattr(req, k) is not None:
                    cmd[k] = getattr(req, k)
            out = issue_with_code(lambda c: run(c, claim), hall, cmd)
            if not out.ok:
                raise HTTPException(409, out.refusal)
            return JSONResponse(out.result, status_code=201)
        return once.answer(key, {"route": "tickets", "body": req.model_dump(mode="json")}, take, outcome_answer(201))

    @app.get("/api/v1/tickets/{ref}", responses=answers(404, 422, model=m.Ticket),
             summary="A ticket of today by id or printed number")
    def ticket(ref: str):
        t = runtime.read(lambda eng: views.ticket(eng, ref))
        if t is None:
            raise HTTPException(404, f"no ticket {ref!r} today")
        return t

    @app.get("/api/v1/queue", responses=answers(model=m.Queue), summary="Waiting tickets per service, in call order")
    def queue():
        return runtime.read(views.queue)

    @app.get("/api/v1/windows", responses=answers(model=list[m.Window]), summary="Every window's state")
    def windows():
        return runtime.read(views.windows)

    @app.post("/api/v1/windows/{number}/actions", dependencies=clerk, responses=answers(400, 401, 409, 422),
              summary="A clerk action at a window")
    def act(number: values.window_in_path, body: ClerkAction, key: KeyHeader = None):
        def acted(claim):
            cmd = body.command()
            cmd.update(type=body.action, at=clock(), window=number)
            return submit(cmd, key=claim)
        return once.answer(key, {"route": "actions", "window": number, "body": body.model_dump(mode="json")}, acted,
                           outcome_answer())

    # The citizen's phone page posts here: refusals answer in Chinese (detail) for the page and
    # the engine's English (reason) for machines.
    @app.post("/api/v1/ratings/supplementary", status_code=201, responses=answers(400, 404, 409, 422, ok=201),
              summary="补充评价: rate a service later with the code on the ticket (citizen)")
    def rate_supplementary(body: SupplementaryRating):
        code = body.code.strip().upper()  # typed in by hand: case does not matter
        if runtime.read(lambda eng: reads.supplementary(eng, code)) is None:
            raise refusals.PageRefusal(404, f"no supplementary rating code {code} (unknown, or its time is over)")
        cmd = {"type": "rate_supplementary", "at": clock(), "code": code, "level": body.level}
        if body.reasons:
            cmd["reasons"] = body.reasons
        why = problem(cmd, window_numbers)
        if why:
            raise refusals.PageRefusal(422, why, hall)
        out = runtime.submit(cmd)
        if not out.ok:
            raise refusals.PageRefusal(409, out.refusal, hall)
        return JSONResponse(out.result or {}, status_code=201)

    @app.get("/api/v1/content", responses=answers(model=m.Content),
             summary="The evaluation content (差评 reasons) in force and its version")
    def content():
        return runtime.read(views.content)

    @app.get("/api/v1/followups", dependencies=supervisor, responses=answers(401, 422),
             summary="差评 follow-ups (supervisor)")
    def followups(status: Literal[STATUSES] | None = Query(default=None, description="a follow-up's status"),
                  overdue: bool | None = Query(default=None, description="past a contact or rectify deadline")):
        return runtime.read(lambda eng: views.followups(eng, status, overdue))

    @app.get("/api/v1/followups/{fid}", dependencies=supervisor, responses=answers(401, 404, 422),
             summary="One 差评 follow-up (supervisor)")
    def followup(fid: str):
        f = runtime.read(lambda eng: views.followup(eng, fid))
        if f is None:
            raise HTTPException(404, f"no follow-up {fid!r}")
        return f

    @app.post("/api/v1/followups/{fid}/actions", dependencies=supervisor, responses=answers(400, 401, 404, 409, 422),
              max_body_size=NOTE_BODY,
              summary="A follow-up transition or a callback (回访) (supervisor)")
    def followup_action(fid: str, body: FollowupAction):
        if runtime.read(lambda eng: views.followup(eng, fid)) is None:
            raise HTTPException(404, f"no follow-up {fid!r}")
        cmd = {k: v for k, v in body.model_dump().items() if v is not None}
        # Only this token's holders may approve or reject: the engine takes the role from here.
        cmd.update(type="followup", at=clock(), id=fid, role="supervisor")
        return submit(cmd)

    appointments.add_routes(app, runtime, clock, supervisor, run, values)

    @app.get("/api/v1/stats/today", summary="Today's statistics, alerts and open 差评 follow-ups")
    def stats_today():
        now = clock()
        return runtime.read(lambda eng: views.stats_today(eng, now))

    return app
