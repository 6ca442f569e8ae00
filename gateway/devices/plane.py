"""The device plane's shell: MQTT messages in, engine commands out, engine
events folded into the window view, changed desired states published.

Each device has a budget of messages (budget.py): past it, paho's network thread drops the
message before it is read or queued; the ticker raises the device's alert when a flood starts
and ends it when the device is calm, and meanwhile the refusals of what was let through are
not logged one by one (the end of the alert carries the totals).

Threads: paho's network thread checks the budget; the link's intake thread runs intake and
Runtime.submit; a ticker thread lets time pass in the plane's own view (谢谢 screens,
dimming) and raises and ends the flood alerts. The engine's time (prompt timeouts, alerts)
is the runtime's ticker, not ours. The runtime calls back with events after each commit.
The plane never holds its own lock while submitting, so a runtime callback can always take it."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from gateway.config import Hall
from gateway.devices import commands, desired, flood_alerts, health, hours, intake, view
from gateway.devices.budget import Budget
from gateway.devices.link import Link
from gateway.devices.pad_words import STORE_FULL, pad_refusal
from gateway.devices.published import Published
from gateway.devices.registry import Registry
from gateway.disk import StoreFull
from gateway.engine import reads
from protocols import identity, topics

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
class DevicePlane:
    def __init__(self, hall: Hall, runtime, data_dir: Path, host: str, port: int,
                 username: str | None = None, password: str | None = None, clock=time.time,
                 tick_seconds: float = TICK_SECONDS, state: health.Health | None = None,
                 ca_file: str | None = None):
        self.hall = hall
        self.runtime = runtime
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.registry = Registry(hall)
        self._devices = {d.id: d for d in hall.devices}
        self._services = {w.number: w.services for w in hall.windows}
        self._lock = threading.RLock()
        self.view = view.empty(self._services)
        self._bright = hours.brightness(hall, clock())
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.published = Published(Path(data_dir) / "desired.sqlite")
        self.budget = Budget(hall.device_limits, self._devices)
        self.link = Link(hall.id, host, port, self.handle, identity.new_boot_id(), username, password, state,
                         ca_file, admit=self._admit)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        # Seed the view and subscribe under the runtime's lock in one go: no commit can
        # fall between them. (Not under our own lock: the runtime calls back into it.)
        def seed_and_listen(eng):
            self.view = seed(self.view, eng, self.clock())
            self.runtime.subscribe(self._on_events)
            # A flood alert left up by the last run ends once its device is calm.
            for a in reads.alerts(eng):
                if a.get("kind") == "device_flood" and a.get("device"):
                    self.budget.resume(a["device"], time.monotonic())

        self.runtime.read(seed_and_listen)
        self.link.start()
        # Retained desired states go out even before the broker connection is up:
        # paho queues them and sends them on connect.
        with self._lock:
            sent = self._publish(set(self._services))
            # The broker may not hold the retained states any more (the embedded broker keeps none
            # across a restart, nor does a Mosquitto without persistence): a device that boots would
            # wait for a change. The unchanged states go out again, with the rev they had.
            for dev, payload in self.published.last(self._devices, exclude=sent):
                self.link.publish(topics.desired(self.hall.id, dev), payload, retain=True)
        self._ticker = threading.Thread(target=self._tick_loop, name="device-plane-tick", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join(5)
        self.link.stop()
        self.published.close()

    # -- device messages -----------------------------------------------------
    def _admit(self, topic) -> bool:
        """On paho's network thread, before anything reads the message: within its device's budget?"""
        return self.budget.admit(device_of(topic), time.monotonic())

    def handle(self, topic: str, payload: bytes) -> None:
        now = self.clock()
        msg = intake.classify(self.hall.id, self._devices, topic, payload)
        if isinstance(msg, intake.Drop):
            if not self.budget.quiet(device_of(topic), "malformed"):
                log.warning("dropped message on %s: %s", topic, msg.reason)
            return
        if isinstance(msg, intake.Availability):
            self.registry.availability(msg.dev, msg.online, msg.boot, now)
            return
        if isinstance(msg, intake.State):
            self.registry.state(msg.dev, msg.state, now)
            return
        self.registry.seen(msg.dev, now)
        cmd = commands.from_event(msg.window, msg.event, now)
        flooding = self.budget.flooding(msg.dev)
        try:
            # Committed (or found a duplicate) before it returns; from a flooding device a refusal
            # that changed nothing is not logged, only counted for the alert's end.
            out = self.runtime.submit(cmd, log_refusal=False) if flooding else self.runtime.submit(cmd)
        except StoreFull as e:
            self._not_stored(msg, cmd, e)
            return
        quiet = flooding and not out.ok and not out.events and self.budget.quiet(msg.dev, "unlogged")
        with self._lock:
            if msg.event["type"] == "rating":
                if not out.ok and not quiet:
                    log.info("rating %s from %s refused: %s", msg.event["prompt"], msg.dev, out.refusal)
                # Stored or refused for good (late, duplicate, not this window's):
                # either way the evaluator may drop it from flash.
                self.view, touched = view.acked(self.view, msg.window, msg.event["prompt"])
            elif not out.ok:
                if not quiet:
                    log.info("%s from %s refused: %s", cmd["type"], msg.dev, out.refusal)
                self.view, touched = view.message(self.view, msg.window, pad_refusal(out.refusal))
            elif cmd["type"] == "attach_case":
                # The pad knows only that its key press was delivered: say what was attached.
                self.view, touched = view.message(self.view, msg.window, "已关联 办件 " + cmd["project_no"])
            else:
                touched = set()
            self._publish(touched)

    def _not_stored(self, msg: intake.Event, cmd: dict, e: StoreFull) -> None:
        """A full disk: the event is dropped (acknowledged to the broker: held unacknowledged it
        would come back only after a reconnect, hours later, and stop the broker's flow to us
        meanwhile). The pad says it was not done; a rating is not acked to its evaluator, which
        keeps it and sends it again."""
        log.warning("%s from %s not applied: %s", cmd["type"], msg.dev, e)
        if msg.event["type"] == "rating":
            return
        with self._lock:
            self.view, touched = view.message(self.view, msg.window, STORE_FULL)
            self._publish(touched)

    # -- engine events -------------------------------------------------------
    def _on_events(self, events: list[dict]) -> None:
        with self._lock:
            touched = set()
            for ev in events:
                if ev.get("type") == "content_changed":
                    # Every evaluator gets the new reasons and rv. Read under the
                    # runtime's lock (held: this is its commit): the engine is as this commit left it.
                    self.view, t = view.with_content(self.view, self.runtime.read(engine_content))
                else:
                    self.view, t = view.apply(self.view, ev, self._services.__getitem__)
                touched |= t
            # The window that acted first (its display shows the number called),
            # then the others whose waiting count moved.
            acting = touched & {ev["window"] for ev in events if isinstance(ev.get("window"), int)}
            self._publish(acting)
            self._publish(touched - acting)

    def _publish(self, windows: set[int]) -> set[str]:
        """Publish the changed states of these windows' devices; the devices sent to."""
        if not windows:
            return set()
        states = {}
        for n in sorted(windows):
            try:
                states.update(desired.for_window(self.hall, self.view, n, self._bright))
            except Exception:  # one window's devices keep their last state; the others go on
                log.exception("desired state of window %s could not be made", n)
        sent = set()
        for dev, payload in self.published.changes(states):
            self.link.publish(topics.desired(self.hall.id, dev), payload, retain=True)
            sent.add(dev)
        return sent

    # -- time ----------------------------------------------------------------
    def tick(self) -> None:
        now = self.clock()
        with self._lock:
            self.view, touched = view.expire(self.view, now)
            bright = hours.brightness(self.hall, now)
            if bright != self._bright:
                self._bright = bright
                touched = set(self._services)
            self._publish(touched)

    def _tick_loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.floods()
            except Exception:  # the store may be failing: the view's time must still pass
                log.exception("the flood alerts could not be raised or ended")
            self.tick()

    def floods(self) -> None:
        """Raise the alert of each device that began to flood, end the alert of each that calmed."""
        flood_alerts.due(self.budget, self.runtime, self.clock, self._devices)


def device_of(topic) -> str | None:
    """The device id a topic names (hall/<h>/device/<id>/<kind>), cheaply and without judging it."""
    if isinstance(topic, bytes | bytearray):
        topic = bytes(topic).decode("utf-8", "replace")
    parts = topic.split("/")
    return parts[3] if len(parts) == 5 and parts[2] == "device" else None


def engine_content(eng) -> view.Content:
    """The evaluators' content: the engine's (the province's version once downloaded, else
    the hall file's reasons), as the view keeps it."""
    c = reads.content(eng)
    return view.Content(c.version, tuple((r.code, r.text) for r in c.reasons))


def seed(v: view.HallView, eng, now: float) -> view.HallView:
    """The view of the engine's current state (read under the runtime's lock),
    so a restarted gateway shows what the hall was showing before."""
    windows = dict(v.windows)
    for w in reads.windows(eng):
        n = w.number
        if n not in windows:
            continue
        p = reads.prompt(eng, w.prompt)
        windows[n] = view.WindowView(
            n, status=w.status, ticket=w.ticket or "", number=w.ticket_number or "",
            staff=w.staff or "", paused_reason=w.paused_reason or "", until=w.until or "",
            recalls=int(w.recalls or 0),
            eval_mode="prompt" if p else "idle", prompt=p.prompt if p else "",
            prompt_staff=(p.staff or "") if p else "",
            # What is left of the prompt's time, not the full timeout again.
            prompt_timeout=max(1, int(p.deadline - now)) if p else 0)
    return view.HallView(windows, reads.waiting(eng), engine_content(eng))
