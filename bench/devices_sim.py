"""Call pads and displays of many windows driven by ONE paho client in its own
process, for the benchmark: a per-window state machine sends the next key as
soon as the desired state it waits for arrives. One network thread, and no
GIL shared with the gateway, so the figures are the gateway's, not the
simulator's."""
from __future__ import annotations

import heapq
import json
import random
import threading
import time

import paho.mqtt.client as mqtt

from gateway.devices.link import nodelay
from protocols import events, identity, topics

# phase -> (device whose desired state ends it, test on that state, next key)
STEPS = {
    "login": ("pad", lambda d, w: d["logged_in"], "call_next"),
    "call_next": ("led", lambda d, w: d.get("ticket") not in (None, w["last_ticket"]), "start"),
    "start": ("pad", lambda d, w: d["tstate"] == "serving", "finish"),
    "finish": ("pad", lambda d, w: d["tstate"] == "", "call_next"),
}


def desired_client(hall_id: str, name: str) -> tuple[mqtt.Client, threading.Event]:
    """One paho client standing in for many devices: TCP_NODELAY, a deep in-flight window,
    subscribed to every device's desired state once connected (the event says when)."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{name}-{time.monotonic_ns()}")
    c.on_socket_open = lambda cl, u, sock: nodelay(sock)
    c.max_inflight_messages_set(1000)
    subscribed = threading.Event()
    c.on_subscribe = lambda *a: subscribed.set()
    c.on_connect = lambda cl, u, f, rc, p: cl.subscribe(topics.device_filter(hall_id, topics.DESIRED), 1)
    return c, subscribed


def run(hall_id: str, port: int, logins: dict[int, str], cycles: int, think: float = 0.0,
        timeout: float = 300.0) -> dict:
    """logins: window -> staff login code; think: a clerk's mean pause between
    keys in seconds (0 = press the next key at once: the gateway saturated).
    Returns latency lists in seconds."""
    rng = random.Random(1)
    due: list = []  # (when, window, key, fields): keys waiting for the clerk's pause
    ids = {n: identity.Sequence() for n in logins}
    win = {n: {"phase": None, "t": 0.0, "done": 0, "last_ticket": None} for n in logins}
    out = {"display": [], "pad": []}
    finished = threading.Event()
    lock = threading.Lock()
    c, subscribed = desired_client(hall_id, "bench-sim")

    def send(n, key, **fields):
        dev = f"w{n:02d}-pad"
        s = ids[n]
        e = events.action(dev, s.boot, s.next(), int(time.time()), key, **fields)
        w = win[n]
        w["phase"], w["t"] = key, time.perf_counter()
        c.publish(topics.event(hall_id, dev), events.encode(e), qos=1)

    def on_message(cl, u, msg):
        now = time.perf_counter()
        _, dev, _ = topics.parse(msg.topic)
        n, kind = int(dev[1:].split("-")[0]), dev.rsplit("-", 1)[1]  # "w07-pad", "w112-led"
        if n not in win:
            return
        d = json.loads(msg.payload)
        w = win[n]
        with lock:
            if kind == "led" and w["phase"] != "call_next":
                w["last_ticket"] = d.get("ticket")
            step = STEPS.get(w["phase"])
            if step is None or step[0] != kind or not step[1](d, w):
                return
            if w["phase"] != "login":
                out["display" if kind == "led" else "pad"].append(now - w["t"])
            if kind == "led":
                w["last_ticket"] = d.get("ticket")
            if w["phase"] == "finish":
                w["done"] += 1
                if w["done"] >= cycles:
                    w["phase"] = None
                    if all(x["done"] >= cycles for x in win.values()):
                        finished.set()
                    return
            fields = {"case": "immediate"} if step[2] == "finish" else {}
            if think > 0:
                w["phase"] = "thinking"
                heapq.heappush(due, (time.perf_counter() + rng.expovariate(1 / think), n, step[2], fields))
            else:
                send(n, step[2], **fields)

    def clerks():
        while not finished.is_set():
            time.sleep(0.002)
            with lock:
                while due and due[0][0] <= time.perf_counter():
                    _, n, key, fields = heapq.heappop(due)
                    send(n, key, **fields)

    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        if not subscribed.wait(10):
            raise TimeoutError("simulator could not subscribe")
        time.sleep(0.5)  # let the retained desired states arrive first
        with lock:
            for n, code in logins.items():
                send(n, "login", staff=code)
        threading.Thread(target=clerks, daemon=True).start()
        if not finished.wait(timeout):
            left = {n: w["phase"] for n, w in win.items() if w["done"] < cycles}
            raise TimeoutError(f"{len(left)} window(s) stuck, e.g. {list(left.items())[:3]}")
    finally:
        c.disconnect()
        c.loop_stop()
    return out


def run_in_queue(q, *args) -> None:
    try:
        q.put(("ok", run(*args)))
    except Exception as e:
        q.put(("error", f"{type(e).__name__}: {e}"))
