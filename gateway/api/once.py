"""One touch, applied once: the Idempotency-Key of the requests that change the hall (a ticket
taken, a clerk's action).

A kiosk or a clerk console that gave up waiting for an answer (a time-out, a network error)
sends the same request again with the same key. The first request's command takes the key
into the store in its own transaction (gateway/store), so a request applied is never applied
again, even after a crash between the command and its answer; the answer it got (status and
body) is kept beside it, and a repeat gets that same answer back and applies nothing. A repeat
that arrives while the first is still being answered (its slip still printing) waits for it.
The same key with another request (another route, body or window) is refused (422). Keys live
for the service day (the store forgets them at the day's roll).

A request without the header is served as before: the key is for clients that retry.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException
from fastapi.responses import JSONResponse, Response

from gateway.api.refusals import PageRefusal
from gateway.engine import Outcome
from gateway.store import KeptKey, RequestKey, canonical

log = logging.getLogger("hallgw.once")
HEADER = "Idempotency-Key"
PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
REPLAYED = "Idempotency-Replayed"  # on a repeat's answer: "true"

KeyHeader = Annotated[str | None, Header(
    alias=HEADER, pattern=PATTERN,
    description="One per touch, the same on each retry of that touch: 16 to 64 of A-Z a-z 0-9 _ - "
                "(a random UUID will do). A repeat gets the first answer and changes nothing.")]


def fingerprint(**request) -> str:
    """What a request was (its route, window, body), as a hash: a key names one request only."""
    return hashlib.sha256(canonical(request).encode()).hexdigest()


def answer_of(exc: HTTPException) -> JSONResponse:
    """An HTTP refusal as the app's handlers answer it (gateway/api/refusals.py for a page's)."""
    body = {"detail": exc.detail, "reason": exc.reason} if isinstance(exc, PageRefusal) else {"detail": exc.detail}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


class Once:
    """The keys' doorkeeper for one runtime (once_for): every route that takes the header goes
    through `answer`, so a repeat waits for its first wherever the two arrive."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._guard = threading.Lock()
        self._held: dict[str, list] = {}  # key -> [its lock, requests holding or waiting for it]

    def answer(self, key: str | None, request: dict, act: Callable[[RequestKey | None], Response],
               recover: Callable[[Outcome], Response]) -> Response:
        """The answer to a request: act(claim) answers a new one (claim goes with its first
        command, runtime.submit(cmd, key=claim)); a repeat gets the first's kept answer; one whose
        answer was never kept (the gateway stopped in between) gets recover(its command's outcome)."""
        if key is None:
            return _answered(act, None)
        claim = RequestKey(key, fingerprint(**request))
        with self._holding(key):  # a repeat waits here while its first is answered
            kept = self.runtime.request_key(key)
            if kept is not None:
                return self._repeat(claim, kept, recover)
            got = _answered(act, claim)
            try:
                self.runtime.keep_answer(claim, got.status_code, bytes(got.body))
            except Exception:  # the command stands; a repeat then answers from its outcome
                log.exception("the answer to request %s could not be kept", key)
            return got

    def _repeat(self, claim: RequestKey, kept: KeptKey, recover) -> Response:
        if kept.fingerprint != claim.fingerprint:
            raise PageRefusal(422, f"{HEADER} {claim.key} was used today for another request: one key per touch",
                              detail="请求编号已用于另一项操作，请重新操作")
        log.info("request %s repeated: answered as the first time", claim.key)
        if kept.status is None:  # applied, but the gateway stopped before its answer was kept
            got = recover(Outcome.from_dict(kept.outcome))
            got.headers[REPLAYED] = "true"
            return got
        return Response(kept.answer, status_code=kept.status, media_type="application/json",
                        headers={REPLAYED: "true"})

    def waiting(self, key: str) -> int:
        """Requests with this key being answered or waiting for it now."""
        with self._guard:
            held = self._held.get(key)
            return held[1] if held else 0

    def _holding(self, key: str):
        with self._guard:
            held = self._held.setdefault(key, [threading.Lock(), 0])
            held[1] += 1
        return _Held(self, key, held)

    def _release(self, key: str, held: list) -> None:
        held[0].release()
        with self._guard:
            held[1] -= 1
            if held[1] == 0:
                del self._held[key]


class _Held:
    def __init__(self, once: Once, key: str, held: list):
        self.once, self.key, self.held = once, key, held

    def __enter__(self):
        self.held[0].acquire()

    def __exit__(self, *exc):
        self.once._release(self.key, self.held)


def _answered(act, claim) -> Response:
    try:
        return act(claim)
    except HTTPException as e:
        return answer_of(e)


def outcome_answer(ok_status: int = 200):
    """recover() for an API route that answers a command's outcome: its result, or its refusal (409)."""
    def recover(out: Outcome) -> Response:
        if out.ok:
            return JSONResponse(out.result or {}, status_code=ok_status)
        return JSONResponse({"detail": out.refusal}, status_code=409)
    return recover


_doorkeepers: dict[int, Once] = {}
_doorkeepers_lock = threading.Lock()


def once_for(runtime) -> Once:
    """The one doorkeeper of this runtime, shared by the API, the kiosk and the clerk console
    (so a repeat waits for its first whichever of them it reaches)."""
    with _doorkeepers_lock:
        kept = _doorkeepers.get(id(runtime))
        if kept is not None and kept.runtime is runtime:
            return kept
        _doorkeepers[id(runtime)] = Once(runtime)  # a new runtime (an id of one closed may come again)
        return _doorkeepers[id(runtime)]
