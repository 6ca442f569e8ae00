"""One FastAPI dependency per role: `Depends(CLERK)`, `Depends(SUPERVISOR)`, … on every route
and page of the role, API and pages alike (tests/roles/test_guards.py walks the served app).

The dependency returns who the request is (Presented) or refuses it: a 401 with the reason in
Chinese (detail) and English (reason); on the role's own page, the page a person reads, with
the reason. A page opened with ?key= answers with its cookie and the address without the key."""
from __future__ import annotations

from pathlib import Path

from fastapi import Header, Request
from fastapi.responses import FileResponse, RedirectResponse

from gateway.roles.keyring import Presented, keyring_of
from gateway.roles.table import ROLES


class Guard:
    """A route's dependency: the request presents a credential of one of these roles."""

    def __init__(self, *roles: str):
        self.roles = tuple(ROLES[r] for r in roles)
        self.names = frozenset(roles)

    def __call__(self, request: Request, authorization: str | None = Header(default=None)) -> Presented:
        return keyring_of(request.app).check(self.roles, request, authorization)

    def __repr__(self) -> str:
        return f"Guard({', '.join(r.name for r in self.roles)})"


CLERK = Guard("clerk")
KIOSK = Guard("kiosk")
SCREEN = Guard("screen")
SUPERVISOR = Guard("supervisor")
COUNTY = Guard("county")
TICKET_TAKER = Guard("kiosk", "clerk")         # POST /api/v1/tickets: a kiosk, or a clerk for a citizen
PRINTER_WATCH = Guard("kiosk", "supervisor")   # GET /api/v1/printers


def page(request: Request, who: Presented, file: Path):
    """A role's page: opened with ?key=, the cookie and the address without the key (it leaves
    the address bar and the history); else the page itself."""
    if who.by == "key":
        resp = RedirectResponse(request.url.path, status_code=303)
        keyring_of(request.app).sign_in(resp, who.role)
        return resp
    return FileResponse(file, media_type="text/html", headers={"Cache-Control": "no-store"})
