"""The HTTP server `hallgw run` serves the app with: uvicorn, its h11 protocol held to the
connection table (gateway/api/connections.py) and to an idle time-out.

What uvicorn 0.54 does not do by itself, and this adds:
- limit_concurrency counts every open connection, idle ones too, and is checked only when a
  request arrives, after the socket was accepted: 2,000 sockets that never send a byte hold
  2,000 descriptors, and would turn every kiosk request into a 503. Here a connection is
  counted at accept, the longest-idle one is closed when the table is full, and the new one
  gets 503 at once only when every connection is busy.
- timeout_keep_alive starts only after a first answer, and any byte received stops it: a
  connection that never sends a request, or sends half a header and waits (slowloris), or a
  request body a byte at a time, is never closed. Here each connection has a deadline from its
  accept or its last answer to a whole request (head and body); past it, idle or still
  incomplete, it is closed.
- The streams (Server-Sent Events) run in pools of their own, by path."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.api.connections import ACCEPT_BURST, IDLE_TIMEOUT_S, ConnectionTable, pool_of

log = logging.getLogger("hallgw.http")
KERNEL_BACKLOG = 2048   # connections the kernel holds for us to accept (uvicorn's default)
REFUSED_LINGER_S = 1.0  # how long a refused connection waits for the client to read its 503
REFUSING_AT_MOST = 32   # refused connections lingering at once; past that, closed without an answer
BUSY = {"detail": "网关繁忙，请稍后再试", "reason": "the gateway's connection table is full: every connection is busy"}
STREAMS_FULL = {"detail": "同时打开的页面过多，请稍后再试",
                "reason": "too many pushed streams of this kind are open: try again shortly"}


def _body(what: dict) -> bytes:
    return json.dumps(what, ensure_ascii=False).encode()


_BUSY_BODY = _body(BUSY)
BUSY_RESPONSE = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
                 b"content-length: %d\r\nretry-after: 1\r\nconnection: close\r\n\r\n" % len(_BUSY_BODY)) + _BUSY_BODY


async def _streams_full(scope, receive, send) -> None:
    body = _body(STREAMS_FULL)
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, counted in the table and held to the idle time-out. The class
    attributes are set by protocol()."""
    table: ConnectionTable
    idle_timeout: float = IDLE_TIMEOUT_S
    refusing: list[int]  # shared by the server's connections: [how many linger refused now]

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._app, self.app = self.app, self._route  # uvicorn runs self.app for each request
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = self._lingering = False
        self._heard = False  # bytes came since the last answer (or the accept)

    # -- the connection's life -----------------------------------------------------------------
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        evicted = self.table.evicted
        sock = transport.get_extra_info("socket")
        if self.table.admit(self, sock.fileno() if sock is not None else 0):
            if self.table.evicted > evicted:
                log.warning("HTTP connections: the table is full (%d): closed the one idle longest for a new one",
                            self.table.limits.requests)
            self._arm()
            return
        self._refused = True
        log.warning("HTTP connections: the table is full (%d) of busy ones: a new one answered 503",
                    self.table.limits.requests)
        if self.refusing[0] >= REFUSING_AT_MOST:
            transport.abort()
            return
        # Answer before reading the request, then wait for the client to have it: closed at
        # once, the request still unread in our buffer would reset the link and lose the 503.
        self.refusing[0] += 1
        self._lingering = True
        transport.write(BUSY_RESPONSE)
        self.loop.call_later(REFUSED_LINGER_S, transport.close)

    def connection_lost(self, exc) -> None:
        if self._lingering:
            self.refusing[0] -= 1
        self.table.gone(self)
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped: it has its answer
        before = self.cycle
        self._heard = True
        super().data_received(data)
        if self.cycle is not before:
            self._arm()  # a request began: its body has the same time to arrive

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.table.idle(self)
            self._heard = False
            self._arm()

    # -- what the table asks ---------------------------------------------------------------------
    def is_idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def evict(self) -> None:
        self._disarm()
        self.transport.close()

    # -- the deadline ----------------------------------------------------------------------------
    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.idle_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        # Idle (no request, half a header, kept alive), or a body still arriving: close. A whole
        # request being answered (a stream, a report) is the app's, not the clock's.
        if self.is_idle() or cycle.more_body:
            if self._heard:  # not a browser's link kept alive, nor one opened ahead: half a request
                log.warning("HTTP connections: closed one that sent no whole request in %g s", self.idle_timeout)
            self.table.expired()
            self.table.gone(self)
            self.transport.close()

    # -- the app, with the streams in their pools --------------------------------------------------
    async def _route(self, scope, receive, send) -> None:
        pool = pool_of(scope.get("path", "")) if scope["type"] == "http" else "requests"
        if pool == "requests":
            return await self._app(scope, receive, send)
        if not self.table.enter(self, pool):
            return await _streams_full(scope, receive, send)
        try:
            await self._app(scope, receive, send)
        finally:
            self.table.leave(self, pool)


def protocol(table: ConnectionTable, idle_timeout: float = IDLE_TIMEOUT_S) -> type[GuardedH11Protocol]:
    """The protocol class for one server: its table and time-out as class attributes (uvicorn
    makes each connection's protocol from the class it is given)."""
    return type("HallHTTPProtocol", (GuardedH11Protocol,),
                {"table": table, "idle_timeout": idle_timeout, "refusing": [0]})


class Server(uvicorn.Server):
    """uvicorn waits for every open response before it stops, and pushed streams (the pages'
    Server-Sent Events) never end on their own: the signal tells them to (`closing`).

    asyncio accepts as many connections at a time as the listen backlog it was given, all of
    them before the table sees one: with uvicorn's 2048 a flood opens 2048 descriptors at once
    (past 1024, and past the limit: `accept() out of system resource`). Given ACCEPT_BURST, it
    takes that many at a time; the kernel's queue is then set back to KERNEL_BACKLOG, so that a
    kiosk connecting behind a flood waits in the queue rather than having its SYN dropped."""

    def __init__(self, config: uvicorn.Config, closing: threading.Event):
        super().__init__(config)
        self.closing = closing

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        for server in getattr(self, "servers", []):
            for sock in server.sockets:
                with socket.socket(fileno=os.dup(sock.fileno())) as same:  # the same listening socket
                    same.listen(KERNEL_BACKLOG)

    def handle_exit(self, sig, frame):
        self.closing.set()
        super().handle_exit(sig, frame)


def server(app, host: str, port: int, table: ConnectionTable, closing: threading.Event,
           idle_timeout: float = IDLE_TIMEOUT_S) -> Server:
    # log_config=None: uvicorn's loggers reach the root handlers (the gateway's format and its
    # repeat filter) instead of handlers of their own.
    return Server(uvicorn.Config(app, host=host, port=port, http=protocol(table, idle_timeout), log_config=None,
                                 log_level="warning", access_log=False, timeout_keep_alive=max(1, round(idle_timeout)),
                                 backlog=ACCEPT_BURST, timeout_graceful_shutdown=5), closing)
