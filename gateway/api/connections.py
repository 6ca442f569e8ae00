"""How many HTTP connections the gateway holds, and which it lets go first: the connection
table, as plain bookkeeping (gateway/api/serving.py is the server around it).

The limit is computed at start from the process's open-file limit (RLIMIT_NOFILE), with what is
already open and a headroom kept back, so the gateway's own files (the store, the reports'
database opened per worker thread, the log, the broker's sockets) always open however many
clients connect. It never goes past 1024 open files in all: paho-mqtt (the device link, the
mirror, the attached devices) waits on select(), which cannot take a descriptor numbered 1024
or more; a raised LimitNOFILE is room for the rest, not for more HTTP connections.

The table is split three ways, so that one kind cannot shut out another:
  requests  every connection as it is accepted, and the ordinary requests (the kiosk, the API);
            when it is full, the connection idle longest (no request in progress: never sent
            one, half a header, or kept alive after its answer) is closed to make room (as nginx
            reuses keep-alive connections); when none is idle, the new one gets 503 at once
  pages     the hall's own pushed streams: screens, clerk consoles, the dashboard, the county
            and 帮办代办 feeds
  phones    the citizens' ticket pages (open to anyone who holds a slip)
A stream moves its connection from `requests` into its pool while it runs; a full pool answers
503 to the next stream (the pages dial again), never taking a slot from the others."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

FD_SETSIZE = 1024  # select()'s ceiling, which paho-mqtt's network loop is bound by
# Kept back beyond what is open at start: the reports' read connection of each worker thread
# (up to 40: the thread pool), backups, a report's PDF fonts, upstream HTTPS, the printer,
# the log's rotation, the embedded broker's spare sockets.
HEADROOM = 128
PER_DEVICE = 1     # each device's connection to an embedded broker (this process's own sockets)
# asyncio accepts up to this many connections at each wake of the listening socket, and they are
# counted in the table two turns of the loop later: three bursts are open before the table sees them.
ACCEPT_BURST = 64
IN_FLIGHT = 3 * ACCEPT_BURST
IDLE_TIMEOUT_S = 10.0  # a hall's LAN sends a whole request in milliseconds; a browser keeps its link this long
FLOOR = 32         # below this the hall cannot work: say so at start rather than run starved
POOLS = ("requests", "pages", "phones")
# Which requests are streams, by the path's beginning (first match wins). tests/api checks that
# every route answering text/event-stream falls in a stream pool.
STREAMS = (("/api/v1/stream/ticket/", "phones"), ("/api/v1/stream/", "pages"), ("/clerk/api/events", "pages"))


@dataclass(frozen=True)
class Limits:
    requests: int
    pages: int
    phones: int
    nofile: int = 0       # the open-file limit they come from (0: given by hand)
    open_at_start: int = 0
    starved: bool = False  # the open-file limit leaves less than FLOOR: running on the floor

    @property
    def total(self) -> int:
        return self.requests + self.pages + self.phones

    def of(self, pool: str) -> int:
        return getattr(self, pool)


def split(total: int, **where) -> Limits:
    """A quarter each for the two kinds of stream, the rest for requests."""
    streams = max(4, total // 4)
    return Limits(max(FLOOR // 2, total - 2 * streams), streams, streams, **where)


def plan(nofile: int, open_at_start: int, devices: int = 0, most: int | None = None) -> Limits:
    """The table's size from the open-file limit (soft), the descriptors open when the server
    starts, and the devices that connect to this process's embedded broker (0 with Mosquitto);
    `most`: a smaller size asked for (hallgw run --connections)."""
    usable = min(nofile, FD_SETSIZE) - open_at_start - HEADROOM - IN_FLIGHT - PER_DEVICE * devices
    total = usable if most is None else min(usable, most)
    return split(max(FLOOR, total), nofile=nofile, open_at_start=open_at_start, starved=usable < FLOOR)


def pool_of(path: str) -> str:
    for prefix, pool in STREAMS:
        if path.startswith(prefix):
            return pool
    return "requests"


class Connection(Protocol):
    def is_idle(self) -> bool: ...  # no request in progress
    def evict(self) -> None: ...    # close it now (it was idle)


class ConnectionTable:
    """Called from the server's event loop only (no lock); figures() may be read from any thread."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.open: set[Connection] = set()
        self.streaming: dict[str, set[Connection]] = {"pages": set(), "phones": set()}
        # Candidates to close, longest idle first. Lazy: a connection that has since become busy
        # or gone stays until it comes up, and is skipped then (every change is O(1)).
        self._idle: OrderedDict[Connection, None] = OrderedDict()
        self.admitted = self.evicted = self.refused = self.timed_out = 0
        self.highest_fd = 0  # the highest descriptor number a connection had: under FD_SETSIZE is the promise
        self.refused_streams = {"pages": 0, "phones": 0}

    def in_requests(self) -> int:
        return len(self.open) - sum(len(s) for s in self.streaming.values())

    def admit(self, conn: Connection, fd: int = 0) -> bool:
        """A connection just accepted (on descriptor fd): True if it may stay (the longest-idle
        one closed to make room if need be); False if every slot is busy (answer 503 and close it)."""
        self.highest_fd = max(self.highest_fd, fd)
        while self.in_requests() >= self.limits.requests:
            victim = self._longest_idle()
            if victim is None:
                self.refused += 1
                return False
            self.gone(victim)
            victim.evict()
            self.evicted += 1
        self.open.add(conn)
        self.idle(conn)
        self.admitted += 1
        return True

    def idle(self, conn: Connection) -> None:
        """conn has no request in progress any more (accepted, or its answer sent)."""
        if conn in self.open:
            self._idle[conn] = None
            self._idle.move_to_end(conn)

    def _longest_idle(self) -> Connection | None:
        while self._idle:
            conn, _ = self._idle.popitem(last=False)
            if conn in self.open and conn.is_idle() and not self._is_streaming(conn):
                return conn
        return None

    def _is_streaming(self, conn: Connection) -> bool:
        return any(conn in s for s in self.streaming.values())

    def enter(self, conn: Connection, pool: str) -> bool:
        """A stream starts on conn: True if its pool has room (conn moves there from requests)."""
        mine = self.streaming[pool]
        if len(mine) >= self.limits.of(pool):
            self.refused_streams[pool] += 1
            return False
        mine.add(conn)
        return True

    def leave(self, conn: Connection, pool: str) -> None:
        self.streaming[pool].discard(conn)

    def expired(self) -> None:
        self.timed_out += 1

    def gone(self, conn: Connection) -> None:
        self.open.discard(conn)
        self._idle.pop(conn, None)
        for s in self.streaming.values():
            s.discard(conn)

    def figures(self) -> dict:
        lim = self.limits
        streams = {p: len(s) for p, s in list(self.streaming.items())}
        return {"open": len(self.open), "in_use": {"requests": len(self.open) - sum(streams.values()), **streams},
                "limits": {p: lim.of(p) for p in POOLS}, "admitted": self.admitted, "evicted": self.evicted,
                "refused": self.refused, "refused_streams": dict(self.refused_streams), "timed_out": self.timed_out,
                "highest_fd": self.highest_fd}
