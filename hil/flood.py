"""A flooding device, as issue 26 met it: window 3's call pad and evaluator gone wrong, and ids
that are not in the hall file, sending as fast as the broker takes it. The mix, in turn:
  a malformed event on w03-pad's topic (not JSON),
  a call_next from an id the hall file does not know (a new id each time),
  a well-formed call_next from w03-pad (each a new sequence number: never a duplicate),
  a rating of a prompt that does not exist from w03-eval.
With nobody logged in at window 3 the engine refuses every well-formed one, so a flood of them
changes nothing in the queue; before the device budget each refusal was a record in the store.
For `hall-bench flood` and tests/devices/test_flood.py."""
from __future__ import annotations

import threading
import time

import paho.mqtt.client as mqtt

from protocols import events, topics

MIX = ("malformed", "foreign", "action", "rating")
PAD, EVALUATOR = "w03-pad", "w03-eval"


def message(hall_id: str, i: int, boot: str) -> tuple[str, bytes]:
    """The i-th message of the mix: (topic, payload)."""
    kind, now = MIX[i % len(MIX)], int(time.time())
    if kind == "malformed":
        return topics.event(hall_id, PAD), b"{not json " + str(i).encode()
    if kind == "foreign":
        dev = f"x{i:06d}"
        return topics.event(hall_id, dev), events.encode(events.action(dev, boot, i + 1, now, "call_next"))
    if kind == "action":
        return topics.event(hall_id, PAD), events.encode(events.action(PAD, boot, i + 1, now, "call_next"))
    return topics.event(hall_id, EVALUATOR), events.encode(events.rating(EVALUATOR, boot, i + 1, now, "E999", 5, now))


class Flooder:
    """Publishes the mix (QoS 1) from a thread of its own: `count` messages at `rate` a second (None:
    as fast as the broker acknowledges them), and on past `count` until stop() when `more` is set."""

    def __init__(self, hall_id: str, port: int, count: int, rate: float | None = None, more: bool = False,
                 boot: str = "flood01"):
        self.hall_id, self.count, self.rate, self.more, self.boot = hall_id, count, rate, more, boot
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"flooder-{boot}")
        self.c.max_inflight_messages_set(1000)
        self.c.max_queued_messages_set(0)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        self.sent = 0
        self.started = self.finished = 0.0  # monotonic
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="flooder", daemon=True)

    def start(self) -> Flooder:
        self.thread.start()
        return self

    def _run(self) -> None:
        self.started = time.monotonic()
        info = None
        while self.sent < self.count or (self.more and not self._stop.is_set()):
            info = self.c.publish(*message(self.hall_id, self.sent, self.boot), qos=1)
            self.sent += 1
            if self.rate:
                ahead = self.started + self.sent / self.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            elif self.sent % 500 == 0:
                info.wait_for_publish(60)  # never more than 500 ahead of the broker's acks
        if info is not None:
            info.wait_for_publish(60)
        self.finished = time.monotonic()

    def wait(self, timeout: float | None = None) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(120)
        self.c.loop_stop()
        self.c.disconnect()
