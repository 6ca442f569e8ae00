"""An extension's context for a test that creates the extension by itself (as `hallgw run` would,
gateway/extensions/context.py): `context(rt, tmp_path, app=app, ports={PUSH_HUB: hub}, …)`."""
from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from gateway.extensions.context import Context, Settings, StandIns, Tokens
from gateway.extensions.ports import Ports

TOKENS = Tokens(clerk="clerk-token", supervisor="supervisor-token", kiosk="kiosk-token", screen="screen-token")


def context(runtime, data_dir: str | Path = "data", *, app=None, clock=time.time, tokens: Tokens | dict = TOKENS,
            closing: threading.Event | None = None, ports: dict | None = None, stand_ins: StandIns | None = None,
            http_port: int = 0, **settings) -> Context:
    """settings: Settings' fields (broker_port=…, voice_dir=…); http_port 0: no web server listens.
    tokens: a dict changes some of TOKENS ({"clerk": "…"}). ports: {PORT: value} handed over as a
    provider would (None: declared, provided by nobody)."""
    if isinstance(tokens, dict):
        tokens = dataclasses.replace(TOKENS, **tokens)
    paths = {k: Path(v) for k, v in settings.items() if k in ("voice_dir", "mqtt_credentials", "backup_dir") and v}
    return Context(runtime, tokens, Settings(data_dir=Path(data_dir), http_port=http_port, **{**settings, **paths}),
                   app, clock, closing or threading.Event(), stand_ins or StandIns(), Ports.given(ports or {}))
