"""The runtime: the engine behind a lock, with every command committed to SQLite
before its events are published or its outcome returned.

Restart = latest snapshot + replay of the commands after it. Device events carry an
origin (dev, boot, seq); the runtime applies each origin at most once, and the dedup
row is written in the same transaction as the command, so it holds across restarts.

A request's Idempotency-Key (gateway/api/once.py) is kept the same way: with the command
it made, in its transaction, so a request repeated after a time-out or a crash is never
applied twice.

A login's code is looked up in the code book (gateway/logins) before the command is
logged: the log keeps the staff id it named (or that it was wrong), never the code.

On a full disk submit raises gateway.disk.StoreFull and nothing changed: a command whose commit
failed is undone by rebuilding the engine from the store, and while the disk stays full the
next ones are refused before the engine is asked (the store's watch, gateway/disk.py).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gateway import latency
from gateway.config.model import Hall
from gateway.disk import StoreFull
from gateway.engine import Engine, Outcome
from gateway.engine.compat import StoreMismatch
from gateway.logins.book import CodeBook
from gateway.store import CommandLog, KeptKey, RequestKey, canonical

log = logging.getLogger("hallgw.runtime")
DB_NAME = "hall.db"
LULL_S = 0.5  # no command for this long: a due snapshot is written (see submit)
STALE_S = 30.0  # after a step of the clock: a command stamped on the old clock this soon is moved over


def _origin(cmd: dict) -> tuple | None | str:
    o = cmd.get("origin")
    if o is None:
        return None
    if not (isinstance(o, dict) and isinstance(o.get("dev"), str) and isinstance(o.get("boot"), str)
            and isinstance(o.get("seq"), int) and not isinstance(o.get("seq"), bool)):
        return "origin must be {dev: text, boot: text, seq: integer}"
    return (o["dev"], o["boot"], o["seq"])


def _stepped(cmd: dict) -> bool:
    """A clock fact that moves the hall's timeline (its `at` is on the new clock)."""
    step = cmd.get("step")
    return cmd.get("type") == "clock" and isinstance(step, int | float) and not isinstance(step, bool) and step != 0


class Runtime:
    def __init__(self, hall: Hall, data_dir: str | Path, snapshot_every: int = 1000):
        self.hall = hall
        self.data_dir = Path(data_dir)
        self.store = CommandLog(self.data_dir / DB_NAME, hall.id)
        self.snapshot_every = snapshot_every
        self._lock = threading.RLock()
        self._subscribers: list[Callable[[list[dict]], None]] = []
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_at = float("-inf")
        self._step: tuple[float, float, float] | None = None  # (at, step, monotonic) of the last clock step
        self.codes = CodeBook.of(self.data_dir, hall, DB_NAME)
        self._legacy_logins = 0
        self.engine, self.replayed, self.diverged = self._recover()
        if self.engine.day is not None:
            self.store.forget_keys_before(self.engine.day)
        self._step = None  # a step replayed is no step of this run's clock
        self._last_commit = float("-inf")
        if self._legacy_logins:
            # Logins of an older release carry their code; replayed now while the hall file
            # has the codes, kept in a snapshot so no later start has to replay them.
            self._save_snapshot()

    def _recover(self) -> tuple[Engine, int, int]:
        seq, snap = self.store.latest_snapshot()
        self._snapshot_seq = seq
        at_snapshot = self.store.records_after(max(0, seq - 1))  # its last record: the time reached
        rec = next(at_snapshot, None)
        at_snapshot.close()
        if rec is not None:
            self._note_time(rec["cmd"])
        engine = Engine.restore(self.hall, snap) if snap else Engine(self.hall)
        replayed = diverged = 0
        for rec in self.store.records_after(seq):
            self._legacy_logins += rec["cmd"].get("type") == "login" and "staff_code" in rec["cmd"]
            out = engine.handle(rec["cmd"])
            replayed += 1
            self._note_time(rec["cmd"])
            if out.ok != rec["outcome"]["ok"]:
                # The engine is deterministic, so the hall file changed under a store that was
                # not closed cleanly: going on would drop (or invent) what was acknowledged.
                diverged += 1
                was = "accepted" if rec["outcome"]["ok"] else f"refused ({rec['outcome'].get('refusal')})"
                now = "accepted" if out.ok else f"refused ({out.refusal})"
                raise StoreMismatch([f"record {rec['seq']} ({rec['cmd'].get('type')}) was {was} when it was "
                                     f"made but is {now} under this hall file"])
        return engine, replayed, diverged

    def subscribe(self, callback: Callable[[list[dict]], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def read(self, view: Callable[[Engine], object]):
        """Run a read-only view of the engine under the lock (for the API's threads)."""
        with self._lock:
            return view(self.engine)

    def submit(self, cmd: dict, log_refusal: bool = True, key: RequestKey | None = None) -> Outcome:
        """log_refusal=False: a refusal that changed nothing (no events) is not written to the log
        (the device plane's, for a device past its budget: gateway/devices/budget.py). Whatever
        the engine accepts, or whatever changed something, is always written.
        key: the Idempotency-Key of the request this command serves; a key that already made
        a command gets that command's outcome back, and nothing is applied again."""
        t0 = time.perf_counter()
        origin = _origin(cmd) if isinstance(cmd, dict) else None
        if isinstance(origin, str):
            return Outcome(False, origin)
        try:
            canonical(cmd)
        except (TypeError, ValueError) as e:
            return Outcome(False, f"command is not plain JSON: {e}")
        if cmd.get("type") == "login":
            cmd = self._checked_login(cmd)  # the argon2 hash outside the lock
        with self._lock:
            if origin is not None:
                first = self.store.outcome_of(origin)
                if first is not None:
                    return Outcome.from_dict(first)  # a repeated device event: not applied again
            if key is not None:
                kept = self.store.request_key(key.key)
                if kept is not None:  # a repeated request: not applied again
                    return Outcome.from_dict(kept.outcome) if kept.outcome else \
                        Outcome(False, "this request (its Idempotency-Key) was answered already")
            at = cmd.get("at")
            if isinstance(at, int | float) and not isinstance(at, bool) and not _stepped(cmd):
                at = self._on_this_clock(at)
                if at < self._last_at:
                    # Stamped before the lock (an API request, a device event, the ticker) and
                    # overtaken by a command committed since: in the log, time never runs back.
                    at = self._last_at
                if at != cmd["at"]:
                    cmd = {**cmd, "at": at}
            # A disk known full: StoreFull before the engine moves (a tick never takes the turn to try).
            self.store.space.check(retry=cmd.get("type") != "tick")
            out = self.engine.handle(cmd)
            if cmd.get("type") == "tick" and not out.events:
                return out  # time passed and nothing changed: no need to log it
            if not (out.ok or out.events or log_refusal):
                return out  # refused, and nothing changed: the engine is as it was
            try:
                self.store.append(cmd, out.to_dict(), origin,
                                  (key, self.engine.day) if key is not None and out.ok else None)
            except BaseException:
                # Not on disk, so it must not have happened: the engine, already moved by it, is
                # rebuilt from the store (its snapshot and the log after it) before anyone reads it.
                self.engine, _, _ = self._recover()
                self._step = None
                raise
            latency.COMMIT.observe(time.perf_counter() - t0)
            self._note_time(cmd)
            if any(e.get("type") == "day_started" for e in out.events):
                self.store.forget_keys_before(self.engine.day)
            for cb in list(self._subscribers):
                try:
                    cb(out.events)
                except Exception:
                    log.exception("event subscriber failed")
            self._last_commit = time.monotonic()
            # Writing the whole engine out takes tens of ms on a busy day, with the lock (and
            # the GIL) held: a key press then would wait for it. So a snapshot falls due after
            # snapshot_every commands and the ticker writes it in the next lull; one overdue
            # by as many again (no lull, no ticker) is written here, after the subscribers.
            if self.store.seq - self._snapshot_seq >= 2 * self.snapshot_every:
                try:
                    self._save_snapshot()
                except StoreFull:
                    pass  # the command is on disk: its answer stands; the store's watch said why
            return out

    def request_key(self, key: str) -> KeptKey | None:
        """What the store keeps of a request's Idempotency-Key today, or None."""
        with self._lock:
            return self.store.request_key(key)

    def keep_answer(self, key: RequestKey, status: int, answer: bytes) -> None:
        """The answer a request got, kept for its key until the day ends."""
        with self._lock:
            self.store.keep_answer(key, self.engine.day or "", status, answer)

    def _checked_login(self, cmd: dict) -> dict:
        """The login with its code replaced by what the code book says of it. A `verified`
        or `staff` given from outside is dropped: only a code logs anybody in."""
        rest = {k: v for k, v in cmd.items() if k not in ("staff_code", "verified", "staff")}
        code = cmd.get("staff_code")
        if code is None:
            return rest  # refused by the engine: 'staff_code' is required
        staff = self.codes.resolve(code)
        return {**rest, "verified": True, "staff": staff} if staff else {**rest, "verified": False}

    def _save_snapshot(self) -> None:
        self.store.save_snapshot(self.engine.snapshot())
        self._snapshot_seq = self.store.seq

    def snapshot_if_quiet(self, quiet_s: float = LULL_S) -> bool:
        """Write a snapshot that is due if no command came for quiet_s (the ticker asks)."""
        with self._lock:
            if (self.store.seq - self._snapshot_seq < self.snapshot_every
                    or time.monotonic() - self._last_commit < quiet_s):
                return False
            self._save_snapshot()
            return True

    def _note_time(self, cmd: dict) -> None:
        at = cmd.get("at")
        if not isinstance(at, int | float) or isinstance(at, bool):
            return
        if _stepped(cmd):
            # The clock was stepped (gateway/engine/clock.py): the log goes on from the corrected
            # time, back or forth; "never runs back" holds from here.
            self._last_at = float(at)
            self._step = (float(at), float(cmd["step"]), time.monotonic())
        elif at > self._last_at:
            self._last_at = float(at)

    def _on_this_clock(self, at: float) -> float:
        """A command stamped on the clock before a step just logged, submitted after it, is moved
        by the step: on the new clock it is where it would have been (not a day ahead, say, after
        a step back, which would make the engine start a new day)."""
        if self._step is None:
            return at
        s_at, step, mono = self._step
        if time.monotonic() - mono > STALE_S:
            self._step = None
            return at
        expected = s_at + (time.monotonic() - mono)  # where a stamp on the new clock would be now
        return at + step if abs(at + step - expected) < abs(step) / 2 else at

    @property
    def last_at(self) -> float:
        """The latest time in the log (-inf for an empty one)."""
        return self._last_at

    def start_ticker(self, clock: Callable[[], float], interval: float = 1.0) -> None:
        """Let time pass in the engine (timeouts, alerts, the new day) every `interval` s."""
        def run():
            while not self._stop.wait(interval):
                try:
                    self.submit({"type": "tick", "at": clock()})
                    self.snapshot_if_quiet()
                except StoreFull:
                    pass  # said once by the store's watch; time goes on in the next tick that fits
                except Exception:
                    log.exception("tick failed")

        self._stop.clear()
        self._ticker = threading.Thread(target=run, name="hall-ticker", daemon=True)
        self._ticker.start()

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        with self._lock:
            try:
                self._save_snapshot()
            except StoreFull as e:  # the log holds everything: the next start replays more of it
                log.warning("no snapshot at close: %s", e.__cause__ or e)
            self.store.close()
            self.codes.close()
