"""A picture pushed to its pages by Server-Sent Events when it changes: the county's
view of its sites, a hall's 帮办代办 cases. `bump()` after a change; each stream sends
the picture on connect and after every change (at most one a second), and a heartbeat
every 2 s so a page tells a dead link from a quiet one."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from fastapi.responses import StreamingResponse

from gateway.pages.sse import HEARTBEAT_S, RETRY_MS, event

MIN_GAP_S = 1.0


class Feed:
    def __init__(self, view: Callable[[], dict]):
        self.view = view
        self.version = 0
        self.changed = threading.Condition()

    def bump(self, *_args) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def response(self, closing: threading.Event) -> StreamingResponse:
        return StreamingResponse(self._events(closing), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _events(self, closing: threading.Event):
        yield f"retry: {RETRY_MS}\n\n".encode()
        sent = -1
        while not closing.is_set():
            if self.version != sent:
                sent = self.version
                yield event("update", await asyncio.to_thread(self.view), sent)
                await asyncio.sleep(MIN_GAP_S)
                continue

            def wait(seen=sent) -> bool:
                with self.changed:
                    return self.changed.wait_for(lambda: self.version != seen or closing.is_set(), HEARTBEAT_S)
            if not await asyncio.to_thread(wait):
                yield event("heartbeat", {"version": sent})
