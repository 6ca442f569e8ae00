"""The gateway's keyring: each role's token and the hall's page key, kept on the app
(app.state), and the one check of a request's credential against them.

A request presents, in this order: a bearer header (it alone decides), a ?key= where the
role takes one, the role's page cookie where that cookie counts (gateway/roles/table.py).
Every token is compared in constant time, all of them, so how long a check takes says
nothing about which one nearly matched."""
from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.roles import cookie
from gateway.roles.table import DAY, ROLES, Role, opens
from gateway.roles.tokens import load_page_key

SAFE = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Presented:
    """Who the request is: the role, and how it showed it (bearer, key or cookie)."""
    role: str
    by: str


class Refused(HTTPException):
    """401/403: `detail` in Chinese for the person, `reason` in English for machines and the log;
    `page` the role's sign-in page, answered instead of JSON where a person opened the page."""

    def __init__(self, status: int, reason: str, detail: str, headers: dict | None = None, page: str | None = None):
        super().__init__(status, detail, headers)
        self.reason, self.page = reason, page


async def answer(request: Request, exc: Refused):
    if exc.page is not None and request.method in ("GET", "HEAD"):
        return HTMLResponse(exc.page, exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail, "reason": exc.reason}, exc.status_code, headers=exc.headers)


def same_origin(request: Request) -> None:
    """SameSite=Strict already keeps the cookies off cross-site requests; this also turns away a
    cross-origin form or script on the same site (another port of this machine)."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise Refused(403, "cross-site request refused", "不接受来自其他网页的请求")


def _same(given: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


class Keyring:
    def __init__(self, page_key: bytes, clock: Callable[[], float] = time.time):
        self.page_key, self.clock = page_key, clock
        self.tokens: dict[str, str] = {}

    def know(self, role: str, token: str | None) -> None:
        """The role's token (None: not given here, the role opens nothing until it is)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
        if not token:
            return
        had = self.tokens.setdefault(role, token)
        if not hmac.compare_digest(had.encode(), token.encode()):
            raise ValueError(f"two different {role} tokens given to one gateway")

    # -- page cookies ---------------------------------------------------------------------------
    def cookie_value(self, role: str) -> str:
        return cookie.sign(self.page_key, role, self.tokens[role], int(self.clock()))

    def sign_in(self, response, role: str) -> None:
        """Set the role's page cookie (HttpOnly: the page's script never holds it)."""
        r = ROLES[role]
        response.set_cookie(r.cookie, self.cookie_value(role), max_age=r.cookie_days * DAY, path="/",
                            httponly=True, samesite="strict")

    def cookie_problem(self, request: Request, role: str) -> str | None:
        """None: the request holds a good page cookie of the role; else missing, expired or invalid."""
        r = ROLES[role]
        value = request.cookies.get(r.cookie or "")
        if not value:
            return "missing"
        return cookie.problem(self.page_key, role, self.tokens.get(role), value, self.clock(), r.cookie_days * DAY)

    # -- the check --------------------------------------------------------------------------------
    def check(self, roles: tuple[Role, ...], request: Request, authorization: str | None) -> Presented:
        path = request.url.path
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() == "bearer":
            hit = [r for r in roles if _same(given.strip(), self.tokens.get(r.name))]  # every one compared
            if hit:
                return Presented(hit[0].name, "bearer")
            raise self._refused(roles, path, "wrong")
        with_key = [r for r in roles if opens(r.key_opens, path)]
        key = request.query_params.get("key") if with_key else None
        if key is not None:
            hit = [r for r in with_key if _same(key, self.tokens.get(r.name))]
            if hit:
                return Presented(hit[0].name, "key")
            raise self._refused(with_key, path, "wrong")
        problems = []
        for r in roles:
            if r.cookie and opens(r.cookie_opens, path):
                why = self.cookie_problem(request, r.name)
                if why is None:
                    if request.method not in SAFE:
                        same_origin(request)
                    return Presented(r.name, "cookie")
                if why != "missing":
                    problems.append((r, why))
        if problems:
            raise self._refused((problems[0][0],), path, problems[0][1])
        raise self._refused(roles, path, "missing")

    def _refused(self, roles: tuple[Role, ...], path: str, why: str) -> Refused:
        one = roles[0]
        if why == "missing":
            reason = " or ".join(r.needs for r in roles)
            detail = one.needs_cn if len(roles) == 1 else f"需要{'或'.join(r.word for r in roles)}"
            what, headers = "", {"WWW-Authenticate": "Bearer"}
        else:
            what = {"wrong": f"{one.word if len(roles) == 1 else '口令'}不正确",
                    cookie.EXPIRED: f"本浏览器的授权已过期（有效期 {one.cookie_days} 天）",
                    cookie.INVALID: "本浏览器的授权无效（可能被改动过，或口令已更换）"}[why]
            reason = {"wrong": f"wrong token: {' or '.join(r.needs for r in roles)}",
                      cookie.EXPIRED: f"the {one.name} page cookie has expired ({one.cookie_days} days): sign in again",
                      cookie.INVALID: f"the {one.name} page cookie is not valid (altered, or the token or the "
                                      "page key changed): sign in again"}[why]
            detail = f"{what}，{one.again_cn}" if one.again_cn and why != "wrong" else what
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        page = next((r.refused_page for r in roles if r.page == path), None)
        if page is not None:
            page = page.replace("{reason}", f"<p>原因：{what}。</p>" if what else "")
        return Refused(401, reason, detail, headers, page)


def install(app, data_dir: str | Path, **tokens: str | None) -> Keyring:
    """The app's keyring (made with the page key of data_dir the first time), knowing these tokens."""
    ring = getattr(app.state, "hall_roles", None)
    if ring is None:
        ring = app.state.hall_roles = Keyring(load_page_key(data_dir))
        app.add_exception_handler(Refused, answer)
    for role, token in tokens.items():
        ring.know(role, token)
    return ring


def keyring_of(app) -> Keyring:
    ring = getattr(app.state, "hall_roles", None)
    if ring is None:
        raise RuntimeError("no keyring on this app: gateway.roles.install(app, data_dir, role=token) first")
    return ring
