"""Each device's budget of MQTT messages ([device_limits], gateway/config/device_limits.py): a
token bucket of `burst` messages refilled at `messages_per_second`. A message past it is dropped
before anything reads it (no JSON parsed, no engine, no store, no log line), acknowledged to the
broker at once, and counted.

Dropping starts an episode: the device floods until nothing of it was dropped for `calm_seconds`.
The plane raises the device's alert once when an episode starts and ends it when the episode
ends (due()); while it lasts, what the plane does let through is quiet: refusals of the engine
are not logged one by one (Episode.unlogged), nor are malformed messages (Episode.malformed);
the end carries the totals.

Ids that are not in the hall file (a stranger on the hall network, a typo at provisioning) share
one budget under UNKNOWN: however many ids a flood invents, this holds one bucket for them.

Thread-safe: admit() runs on paho's network thread, the rest on the plane's. Time is monotonic
(a stepped wall clock must not refill or empty a bucket)."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from gateway.config.device_limits import DeviceLimits

UNKNOWN = "*"  # every id not in the hall file: one budget, one alert (未登记的设备)


@dataclass
class Episode:
    device: str
    since: float  # monotonic: the first message dropped
    last_drop: float
    dropped: int = 0  # past the budget, dropped unread
    unlogged: int = 0  # let through, refused by the engine, not written to the log one by one
    malformed: int = 0  # let through, not a message the gateway reads, not logged one by one
    raised: bool = False  # the plane has raised the alert


class Budget:
    def __init__(self, limits: DeviceLimits, devices: Iterable[str]):
        self.rate, self.burst, self.calm = limits.messages_per_second, limits.burst, limits.calm_seconds
        self._known = frozenset(devices)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when they were counted)
        self._episodes: dict[str, Episode] = {}
        self.dropped: Counter[str] = Counter()  # since start, per key (read it with totals())

    def key(self, device: str | None) -> str:
        return device if device in self._known else UNKNOWN

    def admit(self, device: str | None, now: float) -> bool:
        """One message of this device: True to read it, False to drop it (counted)."""
        k = self.key(device)
        with self._lock:
            tokens, then = self._buckets.get(k, (self.burst, now))
            tokens = min(float(self.burst), tokens + max(0.0, now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[k] = (tokens - 1.0, now)
                return True
            self._buckets[k] = (tokens, now)
            self.dropped[k] += 1
            ep = self._episodes.get(k)
            if ep is None:
                ep = self._episodes[k] = Episode(k, now, now)
            ep.dropped += 1
            ep.last_drop = now
            return False

    def flooding(self, device: str | None) -> bool:
        with self._lock:
            return self.key(device) in self._episodes

    def quiet(self, device: str | None, what: str) -> bool:
        """During the device's episode: count `what` ("unlogged" or "malformed") for its summary and
        say True (the caller logs nothing of it); outside one: False."""
        with self._lock:
            ep = self._episodes.get(self.key(device))
            if ep is None:
                return False
            setattr(ep, what, getattr(ep, what) + 1)
            return True

    def resume(self, device: str, now: float) -> None:
        """An alert the engine still holds from before a restart: an episode already raised, so
        it ends once the device is calm (and is not raised again)."""
        with self._lock:
            self._episodes.setdefault(device, Episode(device, now, now, raised=True))

    def due(self, now: float) -> tuple[list[Episode], list[Episode]]:
        """(episodes to raise, episodes that ended), as copies; an ended one is forgotten. One that
        started and ended between two calls is in both: raised, then ended."""
        with self._lock:
            start, end = [], []
            for k, ep in list(self._episodes.items()):
                if not ep.raised:
                    ep.raised = True
                    start.append(replace(ep))
                if now - ep.last_drop >= self.calm:
                    end.append(self._episodes.pop(k))
            return start, end

    def totals(self) -> dict[str, int]:
        """What each device (or UNKNOWN) has had dropped since the gateway started: the metric."""
        with self._lock:
            return dict(self.dropped)

    def floods(self) -> dict[str, int]:
        """Each flooding device (or UNKNOWN): what it has had dropped in this episode."""
        with self._lock:
            return {k: ep.dropped for k, ep in self._episodes.items()}
