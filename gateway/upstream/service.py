"""Upstream as one running service: the adapter, the outbox that feeds it from the
command log, and the content sync; what the API, the CLI and the extension use."""
from __future__ import annotations

import logging
from pathlib import Path

from gateway.config.model import Hall
from gateway.outbox import Outbox, OutboxStore, items, status
from gateway.outbox.store import connect
from gateway.store import LogReader
from gateway.upstream.content import ContentSync, platform
from gateway.upstream.destination import NAME, Province
from gateway.upstream.secret import read_secret

log = logging.getLogger("hallgw.upstream")
# httpx logs every request at INFO: the outbox says what matters (failures, backoff).
logging.getLogger("httpx").setLevel(logging.WARNING)


class Upstream:
    def __init__(self, runtime, db: str | Path, clock, client=None, on_result=None, retry_base: float = 0.5):
        self.runtime, self.hall, self.db = runtime, runtime.hall, Path(db)
        up = self.hall.upstream
        # Here, not at the top: the adapters bring httpx and cryptography (some 11 MB), which a
        # hall with upstream switched off (a village on a Pi Zero) never needs.
        from gateway.upstream import adapters

        self.adapter = adapters.make(up, read_secret(up.secret_file), client)
        tags = OutboxStore(self.db, NAME)  # also creates the outbox tables
        self._tags = tags
        self.dest = Province(self.hall, self.adapter, tags.log.first_hash, tags.log)
        self.outbox = Outbox(self.db, self.dest, retry_base=retry_base, retry_max=up.retry_max_seconds,
                             on_result=on_result)
        self.content = ContentSync(runtime, self.adapter, self.outbox, clock, up.content_refresh_hours * 3600,
                                   up.retry_max_seconds, store=OutboxStore(self.db, NAME))

    def start(self) -> None:
        self.runtime.subscribe(self.outbox.poke)
        self.content.start()
        self.outbox.start()
        log.info("upstream: %s to %s (%s)", self.adapter.name, self.hall.upstream.url,
                 "SM4" if self.hall.upstream.sm4 else "plain JSON")

    def stop(self) -> None:
        self.content.stop()
        self.outbox.stop()
        self.adapter.close()
        self._tags.close()
        self.content.store.close()

    def status(self) -> dict:
        out = describe(self.hall, self.db, self.content.last)
        level_map = self.content.level_map()
        if level_map is not None:
            out["destinations"][0]["level_map"] = level_map
        return out

    def confirm_level_map(self, by: str, at: float) -> dict:
        """A supervisor confirms the level map the content could not check: a logged command.
        Raises NotConfirmable (with the state) when there is nothing to confirm."""
        lm = self.content.level_map()
        if lm is None or not lm.get("confirmable"):
            raise NotConfirmable(lm["state"] if lm else "no_content")
        out = self.runtime.submit({"type": "confirm_level_map", "at": at, "map": lm["map"],
                                   "platform": platform(self.hall), "by": by, "role": "supervisor"})
        if not out.ok:
            raise NotConfirmable(out.refusal or "refused")
        log.info("upstream: level map %s confirmed by %s", lm["map"], by)
        return self.content.level_map()

    def dead_letter(self) -> list[dict]:
        return dead_letter(self.hall, self.db)

    def retry(self, key: str | None) -> int:
        store = OutboxStore(self.db, NAME)
        try:
            n = store.retry(key)
        finally:
            store.close()
        self.outbox.poke()
        return n


def describe(hall: Hall, db: Path, content: str | None = None) -> dict:
    up = hall.upstream
    conn = connect(db, readonly=True)
    try:
        dest = status(conn, NAME) | {"adapter": up.adapter, "url": up.url, "sm4": up.sm4}
    finally:
        conn.close()
    if content:
        dest["content"] = content
    return {"enabled": up.enabled, "destinations": [dest]}


def dead_letter(hall: Hall, db: Path) -> list[dict]:
    conn = connect(db, readonly=True)
    try:
        log = LogReader.on(conn)
        out = []
        for it in items(conn, NAME, "dead"):
            rec = log.record(it.seq)
            ev = _event(rec, it.key) if rec else None
            out.append({"eval_id": it.key.split("#")[0], "key": it.key, "kind": it.kind, "seq": it.seq,
                        "attempts": it.attempts, "reason": it.last_error,
                        "ticket": ev and ev.get("number"), "window": ev and ev.get("window"),
                        "staff": ev and ev.get("staff"), "level": ev and ev.get("level")})
        return out
    finally:
        conn.close()


def _event(rec: dict, key: str) -> dict | None:
    prompt = key.split("#")[0].rsplit("-", 1)[-1]
    for ev in rec["outcome"].get("events") or ():
        if ev.get("prompt") == prompt:
            return ev
    return None


class NotConfirmable(Exception):
    """The level map is not waiting for a confirmation (right, reversed, unchecked, …)."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


class Unavailable:
    """Upstream switched off, or unable to start (its secret): the routes still answer."""

    def __init__(self, hall: Hall, db: Path, why: str | None):
        self.hall, self.db, self.why = hall, Path(db), why

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def status(self) -> dict:
        if not self.hall.upstream.enabled:
            return {"enabled": False, "destinations": []}
        out = describe(self.hall, self.db)
        out["destinations"][0]["last_error"] = self.why
        return out

    def dead_letter(self) -> list[dict]:
        return dead_letter(self.hall, self.db) if self.hall.upstream.enabled else []

    def retry(self, key: str | None) -> int:
        store = OutboxStore(self.db, NAME)
        try:
            return store.retry(key)
        finally:
            store.close()

    def confirm_level_map(self, by: str, at: float) -> dict:
        raise NotConfirmable("off" if not self.hall.upstream.enabled else "not_running")
