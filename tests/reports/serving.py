"""The gateway's API with the reports (and the hall screen) over a runtime, for the report tests
(imported as `reports.serving`: tests/ is on the path, and `from conftest import` is ambiguous)."""
import contextlib
from pathlib import Path

SUPERVISOR, CLERK = "sup-token-1", "clerk-token-1"


@contextlib.contextmanager
def served(rt, data: Path, now: float, screen: bool = False):
    """A TestClient with the clock standing at `now`, once the reporting store is ready:
    client.runtime, client.ext, and client.screen_key with the screen."""
    from fastapi.testclient import TestClient

    from gateway.api import create_app
    from gateway.extensions import reports as reports_ext
    from gateway.extensions import screen as screen_ext
    from gateway.extensions.context import Tokens
    from gateway.extensions.ports import PUSH_HUB
    from gateway.pages.push import PushHub
    from tests.support.context import context

    clock = lambda: now  # noqa: E731
    app = create_app(rt, CLERK, clock=clock, supervisor_token=SUPERVISOR)
    tokens = Tokens(CLERK, SUPERVISOR, "kiosk-token-1", "screen-token-1")
    ctx = context(rt, data, app=app, clock=clock, tokens=tokens, ports={PUSH_HUB: PushHub(rt)})
    ext = reports_ext.create(ctx)
    ext.start()
    try:
        assert ext.follower.ready.wait(60)
        if screen:
            screen_ext.create(ctx)
        client = TestClient(app)
        client.runtime, client.ext = rt, ext
        client.screen_key = tokens.screen if screen else None
        yield client
    finally:
        ctx.closing.set()
        ext.stop()


def auth(token: str = SUPERVISOR) -> dict:
    return {"Authorization": f"Bearer {token}"}


def caught_up(client, timeout: float = 30.0) -> dict:
    """The day's report once the store has folded every committed record (the follower runs on
    its own thread): polls the report's own seq, the barrier, not a sleep standing in for one."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        rep = client.get("/api/v1/reports?period=day", headers=auth()).json()
        if rep["seq"] >= client.runtime.store.seq or time.monotonic() > deadline:
            return rep
        time.sleep(0.05)
