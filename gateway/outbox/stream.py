"""Delivery with a cumulative acknowledgement: the outbox's second way (the mirror).

The provincial destination acknowledges item by item; the parent tier acknowledges the
highest position up to which it holds everything ("I have all up to 1234"). Here the
destination's cursor in OutboxStore is that acknowledged position: nothing after it is
delivered, and all of it is sent again until the receiver says otherwise.

`Cumulative` is the sender's bookkeeping, pure (time comes in as arguments): a window
of positions in flight, go-back on a gap the receiver reports or on no progress for
`ack_timeout` (then capped exponential backoff with jitter, as the outbox backs off),
and an epoch so that answers to batches sent before a go-back cannot trigger another.
A batch covers (after, upto]: the positions it read, so a stream that skips positions
(one filtered out of the log) still tells the receiver it left no gap.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from gateway.outbox.worker import backoff


@dataclass
class Cumulative:
    acked: int  # the receiver holds everything up to here (the durable cursor)
    window: int = 2000  # positions sent beyond `acked` before waiting for an answer
    ack_timeout: float = 10.0
    retry_base: float = 0.5
    retry_max: float = 60.0
    rnd: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        self.sent = self.acked  # how far batches went out since the last go-back
        self.epoch = 1
        self.failures = 0
        self.resume_at = 0.0  # no sending before this (backing off)
        self.waiting_since: float | None = None  # first batch still unanswered, when sent

    def may_send(self, now: float) -> bool:
        return now >= self.resume_at and self.sent - self.acked < self.window

    def sent_to(self, upto: int, now: float) -> None:
        if upto > self.sent:
            self.sent = upto
            if self.waiting_since is None:
                self.waiting_since = now

    def ack(self, upto: int, epoch: int | None, gap: bool, now: float) -> bool:
        """The receiver's answer. Returns True when `acked` moved (persist it)."""
        moved = upto > self.acked
        if moved:
            self.acked = upto
            self.failures = 0
            self.resume_at = 0.0
            self.waiting_since = now if self.sent > self.acked else None
        if self.sent < self.acked:
            self.sent = self.acked  # it holds more than we knew (a restart forgot what was sent)
        if gap and epoch == self.epoch and self.sent > self.acked:
            self.go_back(now, wait=False)  # a batch was lost in transport: send from its start at once
        return moved

    def due(self, now: float) -> bool:
        """Records in flight and no progress for ack_timeout: go back (with backoff). Returns
        True when it went back."""
        if self.waiting_since is not None and self.sent > self.acked and now - self.waiting_since > self.ack_timeout:
            self.go_back(now, wait=True)
            return True
        return False

    def go_back(self, now: float, wait: bool) -> None:
        self.sent = self.acked
        self.epoch += 1
        self.waiting_since = None
        if wait:
            self.failures += 1
            self.resume_at = now + backoff(self.failures, self.retry_base, self.retry_max, self.rnd)

    def reconnected(self, now: float) -> None:
        """A new connection: whatever was in flight may be gone; send again from `acked`."""
        self.sent = self.acked
        self.epoch += 1
        self.waiting_since = None
        self.resume_at = 0.0


def accept(have: int, after: int, upto: int) -> tuple[bool, int]:
    """The receiver's rule for a batch covering (after, upto]: it continues what we have
    (after <= have) or there is a gap. Returns (no gap, what we then have)."""
    if after > have:
        return False, have
    return True, max(have, upto)
