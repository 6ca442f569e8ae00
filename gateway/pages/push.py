"""The pages' push hub: every commit's engine events, numbered by the store's command seq,
fanned out to many subscribers (hall screens, clerk consoles) without ever blocking the runtime.

    hub = PushHub(runtime)                    # subscribes to the runtime at once
    hub.keep("calls", init, fold)             # optional state folded from updates, under the lock
    sub = hub.subscribe(select=None)          # select(update) -> update | None (a filter, e.g. one window)
    seq, view = hub.snapshot(fn)              # fn(engine) under runtime.read; seq = what it includes
    upd = sub.get(timeout) / await sub.next(timeout)   # Update, or None on timeout
    sub.close(); hub.stop()

An Update is (seq, events): seq is `runtime.store.seq` right after the commit, monotonic and
persistent across restarts (with gaps: refused commands and other commands are logged too).
A subscription made *before* a snapshot gets every update after it: take the snapshot, then
skip updates with seq <= the snapshot's. A subscriber that falls more than `maxsize` updates
behind is dropped (get/next raise Dropped): it reconnects and resyncs from a snapshot, so
one stuck screen never holds memory or the runtime.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("hallgw.push")
RING = 1024
QUEUE = 256


@dataclass(frozen=True)
class Update:
    seq: int
    events: tuple  # the engine's event dicts of one commit, in order (shared: never change them)


class Dropped(Exception):
    """The subscriber fell too far behind and was dropped: resync from a snapshot."""


class Closed(Exception):
    """The subscription was closed (by its owner, or the hub stopped)."""


class Subscription:
    def __init__(self, hub: PushHub, select: Callable[[Update], Update | None] | None, maxsize: int):
        self._hub, self.select, self.maxsize = hub, select, maxsize
        self._items: deque[Update] = deque()
        self._cond = threading.Condition(hub._lock)
        self._ended: type[Exception] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._wake_pending = False

    # Called by the hub under its lock, from the committing thread: append and wake, nothing more.
    # `loops` gathers the event loops to wake: one call into each loop for all its subscribers
    # (a hundred screens on the server's loop), not one each.
    def _put(self, upd: Update, loops: dict | None = None) -> None:
        if self._ended:
            return
        if len(self._items) >= self.maxsize:
            self._end(Dropped)
            return
        self._items.append(upd)
        self._wake(loops)

    def _end(self, why: type[Exception]) -> None:
        self._ended = why
        self._items.clear()
        self._hub._subs.discard(self)
        self._wake()

    def _wake(self, loops: dict | None = None) -> None:
        self._cond.notify_all()
        loop = self._loop
        if loop is not None and not self._wake_pending:
            self._wake_pending = True
            if loops is not None:
                loops.setdefault(loop, []).append(self)
            else:
                _call_in(loop, [self])

    def _set_event(self) -> None:
        with self._hub._lock:
            self._wake_pending = False
        if self._event is not None:
            self._event.set()


    def _take(self) -> Update | None:
        if self._items:
            return self._items.popleft()
        if self._ended:
            raise self._ended()
        return None

    def get(self, timeout: float | None = None) -> Update | None:
        """The next update (threads); None if none came within timeout."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                upd = self._take()
                if upd is not None:
                    return upd
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)

    async def next(self, timeout: float | None = None) -> Update | None:
        """The next update (asyncio; the subscription binds to the running loop); None on timeout."""
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        while True:
            with self._hub._lock:
                if self._loop is not loop:
                    self._loop, self._event = loop, asyncio.Event()
                upd = self._take()
                if upd is not None:
                    return upd
                self._event.clear()
            left = None if end is None else end - loop.time()
            if left is not None and left <= 0:
                return None
            try:
                # asyncio.timeout, not wait_for: no task made per wait (a hundred screens wait
                # again after every commit)
                async with asyncio.timeout(left):
                    await self._event.wait()
            except TimeoutError:
                pass

    def pending(self) -> int:
        with self._hub._lock:
            return len(self._items)

    def close(self) -> None:
        with self._hub._lock:
            if not self._ended:
                self._end(Closed)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _call_in(loop: asyncio.AbstractEventLoop, subs: list[Subscription]) -> None:
    """Under the hub's lock: wake these subscribers of one loop with one call into it."""
    def wake():
        for sub in subs:
            sub._set_event()
    try:
        loop.call_soon_threadsafe(wake)
    except RuntimeError:  # the loop is closed: nobody is listening any more
        for sub in subs:
            sub._ended = sub._ended or Closed
            sub._hub._subs.discard(sub)


class PushHub:
    def __init__(self, runtime, ring: int = RING, queue: int = QUEUE):
        self.runtime = runtime
        self.queue = queue
        self._lock = threading.Lock()  # guards the ring, the subscriber set and their queues
        self._ring: deque[Update] = deque(maxlen=ring)
        self._subs: set[Subscription] = set()
        self._folds: dict[str, tuple[Callable, object]] = {}
        self._renders: dict[str, tuple[Callable | None, Callable, tuple[int, object] | None]] = {}
        self._stopped = False
        self.last_seq = runtime.store.seq
        self._floor = self.last_seq  # every update after this seq is in the ring
        runtime.subscribe(self._on_commit)  # the runtime has no unsubscribe: stop() makes it a no-op

    def _on_commit(self, events: list[dict]) -> None:
        # Under the runtime lock, in commit order: enqueue only, never wait on a subscriber.
        if self._stopped or not events:
            return
        upd = Update(self.runtime.store.seq, tuple(events))
        for name, (fold, state) in list(self._folds.items()):
            try:
                self._folds[name] = (fold, fold(state, upd))
            except Exception:
                log.exception("push fold %s failed", name)
        for name, (select, render, _last) in list(self._renders.items()):
            try:
                if select is None or select(upd) is not None:
                    out = self.runtime.read(lambda eng, render=render: render(eng, upd))  # held: reentrant
                    if out is not None:
                        self._renders[name] = (select, render, (upd.seq, out))
            except Exception:
                log.exception("push render %s failed", name)
        with self._lock:
            self.last_seq = upd.seq
            if len(self._ring) == self._ring.maxlen:
                self._floor = self._ring[0].seq
            self._ring.append(upd)
            # Each distinct filter once per commit: a hundred screens share one, and this runs
            # under the runtime lock, ahead of the next key press.
            picked: dict = {None: upd}
            loops: dict = {}
            for sub in list(self._subs):
                try:
                    if sub.select not in picked:
                        picked[sub.select] = sub.select(upd)
                    mine = picked[sub.select]
                except Exception:
                    log.exception("push filter failed; dropping that subscriber")
                    sub._end(Dropped)
                    continue
                if mine is not None:
                    sub._put(mine, loops)
            for loop, subs in loops.items():
                _call_in(loop, subs)

    def keep(self, name: str, init: object, fold: Callable[[object, Update], object]) -> None:
        """State kept up to date with every update, folded under the runtime lock (so it is
        consistent with snapshots): fold must be cheap and return the new state (e.g. the last
        calls). Read it with state(name) inside a snapshot function."""
        self.runtime.read(lambda _eng: self._folds.__setitem__(name, (fold, init)))

    def state(self, name: str):
        return self._folds[name][1]

    def render(self, name: str, select: Callable[[Update], Update | None] | None,
               render: Callable[[object, Update], object]) -> None:
        """render(engine, update) runs at each commit that select passes, under the runtime lock
        (after the folds); rendered(name) gives (seq, its result). For what every subscriber of a
        feed would otherwise build in turn after the commit (the hall screen's picture): built
        here it is ready when they wake. Keep it to a fraction of a millisecond, and return None
        when nobody is watching."""
        self.runtime.read(lambda _eng: self._renders.__setitem__(name, (select, render, None)))

    def rendered(self, name: str) -> tuple[int, object] | None:
        return self._renders[name][2]

    def subscribe(self, select: Callable[[Update], Update | None] | None = None,
                  maxsize: int | None = None) -> Subscription:
        """select(update) runs for each update on the committing thread: keep it cheap (a filter
        of events); return None to skip the update."""
        sub = Subscription(self, select, maxsize or self.queue)
        with self._lock:
            if self._stopped:
                sub._ended = Closed
            else:
                self._subs.add(sub)
        return sub

    def snapshot(self, view: Callable[..., object]) -> tuple[int, object]:
        """(seq, view(engine)) read under the runtime lock: the view includes every update up to seq."""
        return self.runtime.read(lambda eng: (self.runtime.store.seq, view(eng)))

    def since(self, seq: int) -> list[Update] | None:
        """The updates after seq, or None if the ring no longer reaches back that far (then a
        snapshot is needed)."""
        with self._lock:
            if seq < self._floor:
                return None
            return [u for u in self._ring if u.seq > seq]

    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for sub in list(self._subs):
                sub._end(Closed)


_hubs: dict[int, PushHub] = {}
_hubs_lock = threading.Lock()


def hub_for(runtime) -> PushHub:
    """The one hub of this runtime, shared by every page extension (screen, clerk console)."""
    with _hubs_lock:
        hub = _hubs.get(id(runtime))
        if hub is None or hub.runtime is not runtime:
            hub = _hubs[id(runtime)] = PushHub(runtime)
        return hub
