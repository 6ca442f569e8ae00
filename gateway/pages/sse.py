"""Server-Sent Events for the pages, on Starlette's StreamingResponse (no extra dependency).

stream() sends a snapshot first, then an update whenever the push hub has something after
what was sent, and a heartbeat every `every` seconds so a page can tell a dead link from a
quiet hall. Every event that shows state carries `id: <store seq>`: EventSource sends it back
as Last-Event-ID on reconnect (the snapshot catches the page up either way).
"""
from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable

from starlette.responses import StreamingResponse

from gateway.pages.push import Closed, Dropped, Subscription

HEARTBEAT_S = 2.0
RETRY_MS = 1000  # EventSource's own reconnect delay


def event(name: str, data: object, id: int | None = None) -> bytes:
    head = f"event: {name}\n" + (f"id: {id}\n" if id is not None else "")
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # one line: no "data:" splitting
    return (head + f"data: {body}\n\n").encode()


class Latest:
    """The newest update of one feed as the bytes sent, shared by all its streams: with a
    hundred screens the picture is built and encoded once per commit, not once per screen.
    The streams all run on one event loop: the first to want a newer picture builds it (in a
    worker thread, under the loop's lock) while the others wait for it, rather than each
    building its own."""

    def __init__(self, prebuilt: Callable[[], tuple[int, bytes] | None] | None = None) -> None:
        # prebuilt() -> (seq, bytes) of the update the push hub built at the commit, if any
        self.seq, self.data = -1, b""
        self._lock: asyncio.Lock | None = None
        self._prebuilt = prebuilt

    async def newer_than(self, seq: int, view: Callable[[], tuple[int, dict]]) -> tuple[int, bytes]:
        pre = self._prebuilt() if self._prebuilt is not None else None
        if pre is not None and pre[0] > max(seq, self.seq):
            self.seq, self.data = pre  # made at the commit: no worker thread, no wait
        if self.seq > seq:
            return self.seq, self.data  # built already by another stream: no turn at the lock
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.seq <= seq:
                self.seq, self.data = await asyncio.to_thread(_update, view)
            return self.seq, self.data


def _update(view: Callable[[], tuple[int, dict]]) -> tuple[int, bytes]:
    seq, data = view()
    return seq, event("update", {**data, "seq": seq}, seq)


async def stream(sub: Subscription, view: Callable[[], tuple[int, dict]], beat: Callable[[], dict],
                 closing: threading.Event, every: float = HEARTBEAT_S, since: int | None = None,
                 latest: Latest | None = None, moved: Callable[[], bool] | None = None) -> AsyncIterator[bytes]:
    """view() -> (seq, data) runs in a worker thread (it takes the runtime lock). With
    `latest`, streams of the same feed share each update's bytes (one event loop: no lock).
    moved() (in a worker thread, at each heartbeat) says that something the picture shows
    beside the log changed (a device went offline, a printer ran out): an update goes instead."""
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        sent, data = await asyncio.to_thread(view)
        yield event("snapshot", {**data, "seq": sent, "since": since}, sent)
        while not closing.is_set():
            try:
                upd = await sub.next(every)
            except (Dropped, Closed):
                return  # too slow, or shutting down: the page reconnects and resyncs
            if upd is None:
                if moved is not None and await asyncio.to_thread(moved):
                    sent, msg = await asyncio.to_thread(_update, view)
                    yield msg
                else:
                    yield event("heartbeat", {**beat(), "seq": sent})
                continue
            while sub.pending():  # several commits since: one picture of the newest
                upd = await sub.next(0) or upd
            if upd.seq <= sent:
                continue  # already in what was sent
            if latest is not None:
                seq, msg = await latest.newer_than(max(sent, upd.seq - 1), view)
                if seq <= sent:
                    continue
                sent = seq
            else:
                sent, msg = await asyncio.to_thread(_update, view)
            yield msg
    finally:
        sub.close()


def response(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream; charset=utf-8",
                             headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no"})
