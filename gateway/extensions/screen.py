"""The hall screen (电子显示屏) as a gateway extension: the page at /screen (files in
gateway/pages/static/, no build step, nothing from a CDN) and its push stream.

    GET /screen?key=K                 the page (the key is handed on to the stream)
    GET /api/v1/stream/screen?key=K   Server-Sent Events: snapshot, then update / heartbeat
    GET /api/v1/screen?key=K          the same picture once, as JSON

K is the screen's own role token (HALL_SCREEN_TOKEN or data_dir/screen_token): a screen holds
no clerk secret. In the query because EventSource cannot send headers; a bearer header works too;
both checked by the screen's one dependency (gateway/roles).

It pushes through the pages' one hub (NEEDS PUSH_HUB); its streams end when ctx.closing is set."""
from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Depends, Request  # at module level: FastAPI reads the annotations here

from gateway.extensions.context import Context
from gateway.extensions.ports import PUSH_HUB
from gateway.roles import SCREEN

NEEDS = (PUSH_HUB,)
STATIC = Path(__file__).resolve().parents[1] / "pages" / "static"
CALLS = "screen.calls"
PICTURE = "screen.picture"


class ScreenFeed:
    def __init__(self, runtime, hub, clock, closing: threading.Event | None = None):
        from gateway.pages import screen

        self.runtime, self.hub, self.clock = runtime, hub, clock
        self.closing = closing or threading.Event()  # set by `hallgw run` at a signal
        self._memo: tuple[int, dict] | None = None
        self._memo_lock = threading.Lock()

        def rebuild(_eng):
            # Under the runtime lock (which serialises its store connection): the calls read back
            # and the fold that continues them meet at the same seq.
            calls = screen.rebuild_calls(runtime.store.reader.latest(screen.REBUILD_SCAN))
            self.hub.keep(CALLS, calls, screen.fold)
        runtime.read(rebuild)
        self.streams = 0  # open screen streams: no picture is built at commits while there are none
        self.hub.render(PICTURE, screen.shown, self._at_commit)

    def _at_commit(self, eng, upd) -> bytes | None:
        """The update every stream sends, built once at the commit (under the runtime lock, after
        the devices got theirs): the streams wake to bytes ready rather than a worker thread's turn."""
        from gateway.pages import screen, sse

        if not self.streams:
            return None
        data = screen.view(eng, self.hub.state(CALLS), self.clock())
        with self._memo_lock:
            self._memo = (upd.seq, data)
        return sse.event("update", {**data, "seq": upd.seq}, upd.seq)

    def prebuilt(self) -> tuple[int, bytes] | None:
        return self.hub.rendered(PICTURE)

    async def counted(self, body):
        """A screen's stream, counted while open."""
        self.streams += 1
        try:
            async for chunk in body:
                yield chunk
        finally:
            self.streams -= 1

    def view(self) -> tuple[int, dict]:
        """(seq, picture); computed once per seq however many screens ask."""
        from gateway.pages import screen

        with self._memo_lock:
            memo = self._memo
            if memo is not None and memo[0] == self.runtime.store.seq:
                return memo[0], {**memo[1], "now": self.clock()}
            now = self.clock()
            self._memo = self.hub.snapshot(lambda eng: screen.view(eng, self.hub.state(CALLS), now))
            return self._memo

    def beat(self) -> dict:
        return {"now": self.clock()}

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.closing.set()  # each stream ends within a heartbeat


def create(ctx: Context):
    app = ctx.app
    if app is None:
        return None
    from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
    from fastapi.staticfiles import StaticFiles

    from gateway.api.contract import SSE, answers
    from gateway.pages import screen, sse
    from gateway.roles import install

    install(app, ctx.data_dir, screen=ctx.tokens.screen)
    feed = ScreenFeed(ctx.runtime, ctx.need(PUSH_HUB), ctx.clock, ctx.closing)
    latest = sse.Latest(feed.prebuilt)  # every screen's stream shares each update's bytes

    @app.get("/screen", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "screen.html", headers={"Cache-Control": "no-cache"})

    @app.get("/api/v1/screen", dependencies=[Depends(SCREEN)], responses=answers(401, 422),
             summary="What the hall screen shows (screen key)")
    def picture():
        seq, data = feed.view()
        return JSONResponse({**data, "seq": seq})

    @app.get("/api/v1/stream/screen", dependencies=[Depends(SCREEN)], response_class=StreamingResponse,
             responses=answers(401, 422, content=SSE),
             summary="The hall screen's push stream (Server-Sent Events; screen key)")
    def stream(request: Request):
        last = request.headers.get("last-event-id") or request.query_params.get("last")
        since = int(last) if last and last.isdigit() else None
        sub = feed.hub.subscribe(screen.shown)  # before the snapshot: nothing falls between
        return sse.response(feed.counted(sse.stream(sub, feed.view, feed.beat, feed.closing, since=since,
                                                    latest=latest)))

    app.mount("/screen/static", StaticFiles(directory=STATIC), name="screen-static")
    return feed
