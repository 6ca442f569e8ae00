"""The other windows of `hall-bench display --modes light`: their call pads and displays as light
simulated devices, ONE paho client in its own process (no GIL shared with the bench or the
gateway), as bench/devices_sim.py does for `hall-bench devices`, and with its steps
(benchsim.STEPS: which desired state ends each key). Another shape than benchsim.run: it
takes the hall's own device ids, runs until told to stop rather than for a number of cycles,
has each clerk's citizen take a ticket before the call (as the full mode's clerks do, so the
queue the measured window draws on is not emptied), and presses a key again when its answer
has not come in 5 s (a call refused on an empty line, say)."""
from __future__ import annotations

import heapq
import json
import random
import threading
import time
import urllib.request

from bench.devices_sim import STEPS, desired_client
from protocols import events, identity, topics

RETRY_S = 5.0


def run(hall_id: str, port: int, url: str, token: str, windows: dict, think: float, stop, q) -> None:
    """windows: number -> (pad id, display id or None, staff login code, service code); token:
    the kiosk's, to take tickets. Puts
    ("ok", {"keys": n, "calls": n}) or ("error", text) on q once `stop` is set."""
    try:
        q.put(("ok", _run(hall_id, port, url, token, windows, think, stop)))
    except Exception as e:
        q.put(("error", f"{type(e).__name__}: {e}"))


def _run(hall_id, port, url, token, windows, think, stop) -> dict:
    rng = random.Random(11)
    kind = {}
    for n, (pad, led, _, _) in windows.items():
        kind[pad] = (n, "pad")
        if led:
            kind[led] = (n, "led")
    ids = {n: identity.Sequence() for n in windows}
    win = {n: {"phase": None, "t": 0.0, "last_ticket": None, "fields": {}} for n in windows}
    due: list = []  # (when, window, key, fields)
    counts = {"keys": 0, "calls": 0}
    lock = threading.Lock()
    c, subscribed = desired_client(hall_id, "hil-bench-light")

    def send(n, key, **fields):
        dev = windows[n][0]
        s = ids[n]
        w = win[n]
        w["phase"], w["t"], w["fields"] = key, time.monotonic(), fields
        c.publish(topics.event(hall_id, dev), events.encode(events.action(dev, s.boot, s.next(), int(time.time()),
                                                                          key, **fields)), qos=1)
        counts["keys"] += 1

    def on_message(cl, u, msg):
        _, dev, _ = topics.parse(msg.topic)
        if dev not in kind:
            return
        n, k = kind[dev]
        d = json.loads(msg.payload)
        w = win[n]
        if k == "pad" and not windows[n][1] and w["phase"] == "call_next":
            if d["tstate"] != "called":  # a window without a display: the pad shows the call
                return
            k = "led"
        with lock:
            if k == "led" and w["phase"] != "call_next":
                w["last_ticket"] = d.get("ticket")
            step = STEPS.get(w["phase"])
            if step is None or step[0] != k or not step[1](d, w):
                return
            if k == "led":
                w["last_ticket"] = d.get("ticket")
                counts["calls"] += 1
            w["phase"] = "thinking"
            fields = {"case": "immediate"} if step[2] == "finish" else {}
            heapq.heappush(due, (time.monotonic() + rng.expovariate(1 / think), n, step[2], fields))

    def ticket(service):
        req = urllib.request.Request(url + "/api/v1/tickets", json.dumps({"service": service, "lane": "normal"})
                                     .encode(), {"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {token}"})
        try:
            urllib.request.urlopen(req, timeout=5).close()
        except OSError:
            pass

    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        if not subscribed.wait(10):
            raise TimeoutError("the light devices could not subscribe")
        time.sleep(0.5)  # the retained desired states first
        with lock:
            for n, (_, _, code, _) in windows.items():
                send(n, "login", staff=code)
        while not stop.wait(0.002):
            now = time.monotonic()
            with lock:
                ready = []
                while due and due[0][0] <= now:
                    ready.append(heapq.heappop(due))
                for n, w in win.items():  # an answer that has not come: press again
                    if w["phase"] not in (None, "thinking") and now - w["t"] > RETRY_S:
                        ready.append((now, n, w["phase"], w["fields"]))
            for _, n, key, fields in ready:
                if key == "call_next":
                    ticket(windows[n][3])  # outside the lock: the answer's desired state takes it
                with lock:
                    send(n, key, **fields)
    finally:
        c.disconnect()
        c.loop_stop()
    return counts
