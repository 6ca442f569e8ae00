"""Before a request's body is read: who sends it, and how much of it the route takes.

FastAPI reads a route's whole body before it runs the route's dependencies, so a 20 MB POST
without a token was read into memory to be told 401. This ASGI middleware stands in front of the
app and, for a request to a route that takes a body (POST, PUT, PATCH, DELETE with a body model):

1. runs the route's dependencies that do not need the body (its role's credential, gateway/roles;
   the clerk console's session; the login throttle), in their declared order, as FastAPI runs them
   again afterwards: a 401, 403 or 429 goes out before a byte of the body is read;
2. refuses a Content-Length over the route's limit at once (413, the limit in the answer);
3. counts a body sent without a length (chunked) as it streams in, and refuses it past the limit.

A route's limit is its max_body_size (FastAPI's own argument on the decorator), else
COMMAND_BODY (gateway/api/contract.py). An answer given before the body was read closes the
connection: the rest of the body is never read."""
from __future__ import annotations

import inspect
import logging
from contextlib import AsyncExitStack

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import solve_dependencies
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.contract import COMMAND_BODY
from gateway.api.refusals import PageRefusal

log = logging.getLogger("hallgw.gate")
WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def limit_of(route) -> int:
    return route.max_body_size if getattr(route, "max_body_size", None) is not None else COMMAND_BODY


class TooLarge(PageRefusal):
    def __init__(self, limit: int):
        super().__init__(413, f"the body is larger than this operation takes (at most {limit} bytes)",
                         detail=f"请求内容过大：本操作最多接受 {kb(limit)}", headers={"Connection": "close"})


def kb(n: int) -> str:
    return f"{n // 1024} KB" if n >= 1024 else f"{n} 字节"


def _needs_body(d: Dependant) -> bool:
    return bool(d.body_params) or any(_needs_body(s) for s in d.dependencies)


async def _nothing() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class Gate:
    def __init__(self, app: ASGIApp):
        self.app = app
        # id(a route's dependant) -> (it, its dependencies that need no body)
        self._before: dict[int, tuple[Dependant, Dependant]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WITH_BODY:
            return await self.app(scope, receive, send)
        found = route_of(scope)
        if found is None:
            return await self.app(scope, receive, send)
        route, child = found
        limit = limit_of(route)
        refusal = await self._credentials(scope, route, child)
        length = content_length(scope)
        if refusal is None and length is not None and length > limit:
            big = TooLarge(limit)
            refusal = JSONResponse({"detail": big.detail, "reason": big.reason}, 413, big.headers)
        if refusal is not None:
            if sends_body(scope):
                refusal.headers["connection"] = "close"  # what is still coming is never read
            return await refusal(scope, _nothing, send)
        got = 0

        async def counted() -> Message:
            nonlocal got
            message = await receive()
            if message["type"] == "http.request":
                got += len(message.get("body", b""))
                if got > limit:
                    raise TooLarge(limit)  # inside the route's body read: answered by its handler
            return message

        await self.app(scope, counted, send)

    async def _credentials(self, scope: Scope, route, child: Scope):
        """The answer of the first of the route's body-free dependencies that refuses, else None."""
        dependant = route.dependant
        known = self._before.get(id(dependant))
        if known is None or known[0] is not dependant:
            known = self._before[id(dependant)] = (dependant, Dependant(
                path=route.path_format, dependencies=[d for d in dependant.dependencies if not _needs_body(d)]))
        before = known[1]
        if not before.dependencies:
            return None
        app = scope["app"]
        request = Request({**scope, **child}, _nothing)
        try:
            async with AsyncExitStack() as inner, AsyncExitStack() as function:
                request.scope["fastapi_inner_astack"], request.scope["fastapi_function_astack"] = inner, function
                await solve_dependencies(request=request, dependant=before, body=None, async_exit_stack=inner,
                                         dependency_overrides_provider=app, embed_body_fields=False)
        except HTTPException as e:
            return await answer(app, request, e)
        except Exception:  # the route runs them again and answers what they raise as it always does
            log.debug("a dependency of %s failed before the body was read", route.path, exc_info=True)
        return None


def route_of(scope: Scope):
    """The route that will take this request (as its router includes it: the routes of an included
    router come with their own dependencies, limit and body), when it takes a body; and its scope."""
    for route in iter_route_contexts(scope["app"].router.routes):
        match, child = route.matches(scope)
        if match == Match.FULL:
            takes_body = isinstance(route.original_route, APIRoute) and route.body_field is not None
            return (route, child) if takes_body else None
    return None


async def answer(app, request: Request, exc: HTTPException):
    """The app's own answer to exc (its exception handlers: roles' Refused, the pages' PageRefusal …)."""
    handlers = app.exception_handlers
    handler = handlers.get(exc.status_code) or next(
        (handlers[c] for c in type(exc).__mro__ if c in handlers), None)
    if handler is None:
        return JSONResponse({"detail": exc.detail}, exc.status_code, exc.headers)
    if inspect.iscoroutinefunction(handler):
        return await handler(request, exc)
    return await run_in_threadpool(handler, request, exc)


def content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def sends_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() not in (b"0", b"")) or name == b"transfer-encoding":
            return True
    return False


def install(app) -> None:
    """The gate in front of the app (idempotent; before the app starts)."""
    if not any(m.cls is Gate for m in app.user_middleware):
        app.add_middleware(Gate)
