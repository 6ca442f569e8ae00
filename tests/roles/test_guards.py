"""Every route of the served app that needs a role takes that role's one dependency
(gateway/roles): the test walks app.routes and each route's dependants, so a route that
checks a credential by hand, or not at all, fails here; then asks every guarded route
without a credential and with each other role's token (401), and with its own (not 401)."""
from __future__ import annotations

import re

import pytest
from fastapi import FastAPI, Header, HTTPException
from fastapi.testclient import TestClient
from starlette.routing import Mount

from gateway import roles
from gateway.roles import CLERK, COUNTY, KIOSK, PRINTER_WATCH, SCREEN, SUPERVISOR, TICKET_TAKER, Guard
from tests.roles.served import TOKENS, served
from tests.support import ROOT

# (method, path) -> the route's one dependency, or why it is open to anyone.
GUARDED = {
    ("POST", "/api/v1/tickets"): TICKET_TAKER,
    ("POST", "/api/v1/windows/{number}/actions"): CLERK,
    ("GET", "/api/v1/followups"): SUPERVISOR,
    ("GET", "/api/v1/followups/{fid}"): SUPERVISOR,
    ("POST", "/api/v1/followups/{fid}/actions"): SUPERVISOR,
    ("POST", "/api/v1/appointments"): SUPERVISOR,
    ("GET", "/api/v1/appointments"): SUPERVISOR,
    ("POST", "/api/v1/appointments/{aid}/cancel"): SUPERVISOR,
    ("GET", "/kiosk"): KIOSK,
    ("GET", "/api/v1/kiosk/menu"): KIOSK,
    ("POST", "/api/v1/kiosk/tickets"): KIOSK,
    ("GET", "/api/v1/printers"): PRINTER_WATCH,
    ("POST", "/clerk/api/login"): CLERK,
    ("POST", "/clerk/api/action"): CLERK,
    ("POST", "/clerk/api/logout"): CLERK,
    ("GET", "/clerk/api/state"): CLERK,
    ("GET", "/clerk/api/events"): CLERK,
    ("GET", "/api/v1/screen"): SCREEN,
    ("GET", "/api/v1/stream/screen"): SCREEN,
    ("GET", "/dashboard"): SUPERVISOR,
    ("GET", "/api/v1/dashboard"): SUPERVISOR,
    ("GET", "/api/v1/stream/dashboard"): SUPERVISOR,
    ("GET", "/api/v1/dashboard/me"): SUPERVISOR,
    ("POST", "/api/v1/dashboard/signin"): SUPERVISOR,
    ("POST", "/api/v1/dashboard/signout"): SUPERVISOR,
    ("POST", "/api/v1/dashboard/followups/{fid}/actions"): SUPERVISOR,
    ("POST", "/api/v1/dashboard/upstream/confirm-level-map"): SUPERVISOR,
    ("POST", "/api/v1/dashboard/clock"): SUPERVISOR,
    ("GET", "/api/v1/reports"): SUPERVISOR,
    ("GET", "/api/v1/reports/export"): SUPERVISOR,
    ("GET", "/api/v1/reports/charts"): SUPERVISOR,
    ("GET", "/api/v1/reports/trend"): SUPERVISOR,
    ("GET", "/api/v1/upstream"): SUPERVISOR,
    ("GET", "/api/v1/upstream/dead-letter"): SUPERVISOR,
    ("POST", "/api/v1/upstream/retry"): SUPERVISOR,
    ("GET", "/api/v1/mirror"): SUPERVISOR,
    ("GET", "/county"): COUNTY,
    ("GET", "/api/v1/county"): COUNTY,
    ("GET", "/api/v1/county/report"): COUNTY,
    ("GET", "/api/v1/stream/county"): COUNTY,
    ("POST", "/api/v1/relays/enrol"): CLERK,
    ("GET", "/api/v1/relays"): CLERK,
    ("GET", "/api/v1/stream/relays"): CLERK,
    ("POST", "/api/v1/relays"): CLERK,
    ("POST", "/api/v1/relays/{relay}/actions"): CLERK,
}
OPEN = {
    ("GET", "/openapi.json"): "the API's description: no hall data",
    ("GET", "/docs"): "the API's description",
    ("GET", "/docs/oauth2-redirect"): "the API's description",
    ("GET", "/redoc"): "the API's description",
    ("GET", "/"): "the start page: the hall's name and where its pages are",
    ("GET", "/api/v1/tickets/{ref}"): "a ticket by its number: what the hall screen shows anyway",
    ("GET", "/api/v1/queue"): "the waiting line: what the hall screen shows anyway",
    ("GET", "/api/v1/windows"): "the windows' state: what the hall screen and the LEDs show anyway",
    ("GET", "/api/v1/content"): "the province's evaluation content (差评 reasons), public",
    ("GET", "/api/v1/stats/today"): "today's figures, as the hall publishes them",
    ("GET", "/api/v1/devices"): "the devices' health, for the maintainer on the hall's network",
    ("POST", "/api/v1/ratings/supplementary"): "补充评价: the citizen holds the code printed on the ticket",
    ("GET", "/t/{tid}"): "the ticket's phone page, behind the slip's QR code",
    ("GET", "/api/v1/kiosk/progress/{tid}"): "the phone page's reading: the ticket's id is on the slip",
    ("GET", "/api/v1/stream/ticket/{tid}"): "the phone page's push stream",
    ("GET", "/kiosk/static/{name}"): "the kiosk page's script and style",
    ("GET", "/clerk"): "the clerk console's sign-in page (the token is typed into it, never in the address)",
    ("GET", "/clerk/static/{name}"): "the console's script and style",
    ("GET", "/clerk/api/hall"): "the sign-in form's list of windows, and whether this browser is enrolled",
    ("GET", "/screen"): "the hall screen's page: its key, in its address, goes on to the stream",
    ("GET", "/screen/static"): "the hall screen's files",
    ("GET", "/dashboard/static/{name}"): "the dashboard's script and style",
    ("GET", "/relays"): "the 帮办代办 page with its form for the clerk token",
    ("GET", "/healthz"): "operations: the systemd watchdog asks it",
    ("GET", "/metrics"): "operations: Prometheus scrapes it",
}
STREAMS = re.compile(r"/stream/|/clerk/api/events")
SOURCE_ROUTE = re.compile(r'@\w+\.(get|post|put|delete|patch)\(\s*"([^"]+)"')


def routes(app_routes):
    """(method, path, route) of every route, into included routers."""
    for route in app_routes:
        inner = getattr(route, "original_router", None)  # FastAPI keeps an included router whole
        if inner is not None:
            yield from routes(inner.routes)
        elif isinstance(route, Mount):
            yield "GET", route.path, route
        else:
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    yield method, route.path, route


def guards(route) -> set:
    """The Guard dependencies anywhere in the route's dependants."""
    found, todo = set(), [getattr(route, "dependant", None)]
    while todo:
        d = todo.pop()
        if d is None:
            continue
        if isinstance(d.call, Guard):
            found.add(d.call)
        todo.extend(d.dependencies)
    return found


def unguarded(app) -> list[str]:
    """What is wrong with the app's routes against GUARDED and OPEN, in words."""
    out = []
    for method, path, route in routes(app.routes):
        key, got = (method, path), guards(route)
        if key in GUARDED:
            if got != {GUARDED[key]}:
                out.append(f"{method} {path}: needs {GUARDED[key]!r}, guarded by {sorted(map(repr, got)) or 'nothing'}")
        elif key in OPEN:
            if got:
                out.append(f"{method} {path}: open ({OPEN[key]}) but guarded by {sorted(map(repr, got))}")
        else:
            out.append(f"{method} {path}: not known here: say whose it is (GUARDED) or why it is open (OPEN)")
    return out


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    app, rt, closing = served(tmp_path_factory.mktemp("roles"))
    yield app
    closing.set()
    rt.close()


def test_every_route_takes_its_roles_one_dependency(gateway):
    assert unguarded(gateway) == []


def test_every_route_in_the_source_is_in_the_app_walked(gateway):
    """So the walk above sees every extension's routes (a county's and the tiers' as well)."""
    walked = {(m, p) for m, p, _ in routes(gateway.routes)}
    in_source = {(m.upper(), p) for f in (ROOT / "gateway").rglob("*.py")
                 for m, p in SOURCE_ROUTE.findall(f.read_text(encoding="utf-8"))}
    assert in_source - walked == set()
    assert set(GUARDED) | set(OPEN) == walked  # the tables name nothing that is not served


def test_a_route_that_checks_by_hand_is_found(tmp_path):
    app = FastAPI()
    roles.install(app, tmp_path, supervisor="s3cret")

    @app.get("/api/v1/upstream")  # the supervisor's, checking the token itself
    def upstream(authorization: str | None = Header(default=None)):
        if authorization != "Bearer s3cret":
            raise HTTPException(401, "no")
        return {}
    assert TestClient(app).get("/api/v1/upstream", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert [p for p in unguarded(app) if "upstream" in p] == [
        "GET /api/v1/upstream: needs Guard(supervisor), guarded by nothing"]


def call(app, method: str, path: str, headers: dict | None = None):
    """The route asked once, by a browser of its own (no cookies, a client address the console's
    throttle has not seen)."""
    call.n = getattr(call, "n", 0) + 1
    c = TestClient(app, raise_server_exceptions=False, client=(f"10.{call.n // 250}.{call.n % 250}.1", 50000))
    url = re.sub(r"\{\w+\}", "1", path)
    return c.post(url, json={}, headers=headers or {}) if method == "POST" else c.get(url, headers=headers or {})


def bearer(role: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.mark.parametrize(("method", "path"), sorted(GUARDED))
def test_a_guarded_route_opens_to_its_roles_tokens_only(gateway, method, path):
    guard = GUARDED[(method, path)]
    r = call(gateway, method, path)
    assert r.status_code == 401, r.text
    if r.headers["content-type"].startswith("application/json"):
        assert r.json()["reason"] and r.json()["detail"], r.text  # English for machines, Chinese for people
    others = [role for role in TOKENS if TOKENS[role] not in {TOKENS[n] for n in guard.names}]
    for role in others:
        assert call(gateway, method, path, bearer(role)).status_code == 401, role
    if not STREAMS.search(path):  # the streams never end: their refusal is what is asked here
        for role in guard.names:
            r = call(gateway, method, path, bearer(role))
            # Past the role, the person is asked for: a clerk logged in at a window (the console's
            # session), a supervisor signed in on the dashboard.
            assert r.status_code != 401 or r.json()["reason"] in ("no console session", "no supervisor signed in"), \
                (role, r.text)
