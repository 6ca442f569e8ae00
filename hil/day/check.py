"""The end-of-day checks, from the gateway's store (read-only), its API, the
broker's retained desired states and the emulated boards themselves.

Legal outcome: a ticket that is done ended served, no_show or cancelled. A
ticket may also still be open (waiting, called, serving) when the day's time
and the clerks' closing drain ran out: the hall closed with it in the queue,
which the engine carries to its day rollover. A transfer is no outcome: the
ticket waits again and must then end as above."""
from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt

FINAL = ("served", "no_show", "cancelled")
CLOSING = ("ticket_finished", "ticket_no_show", "ticket_transferred", "ticket_cancelled", "ticket_reset")


def records(db: Path) -> list[dict]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [json.loads(r) for (r,) in conn.execute("SELECT record FROM commands ORDER BY seq")]
    finally:
        conn.close()


def events(recs: list[dict]):
    for rec in recs:
        for e in rec["outcome"].get("events") or []:
            yield rec, e


def check_outcomes(recs, gateway) -> tuple[list[str], int, int]:
    issued = [e["id"] for _, e in events(recs) if e["type"] == "ticket_issued"]
    bad, served = [], 0
    for tid in issued:
        t = gateway.get(f"/api/v1/tickets/{tid}")
        if t["state"] == "done" and t["outcome"] not in FINAL:
            bad.append(f"ticket {t['number']} ended {t['outcome']}")
        served += t["outcome"] == "served"
    return bad, len(issued), served


def check_one_window(recs) -> list[str]:
    """No ticket called at two windows at once, no window holding two tickets."""
    at: dict[str, int] = {}       # ticket -> window holding it
    holding: dict[int, str] = {}  # window -> ticket
    bad = []
    for _, e in events(recs):
        tid = e.get("ticket")
        if e["type"] == "ticket_called":
            w = e["window"]
            if tid in at and at[tid] != w:
                bad.append(f"ticket {e['number']} called at window {w} while held at window {at[tid]}")
            if holding.get(w) not in (None, tid):
                bad.append(f"window {w} called {e['number']} while holding {holding[w]}")
            at[tid], holding[w] = w, tid
        elif e["type"] in CLOSING and tid in at:
            holding.pop(at.pop(tid), None)
    return bad


def check_ratings(recs, hall, sent: dict) -> tuple[list[str], int]:
    evaluator_of = {d.window: d.id for d in hall.devices if d.role == "evaluator"}
    stored: dict[str, dict] = {}
    timed_out = set()
    bad = []
    for rec, e in events(recs):
        if e["type"] == "evaluation_timed_out":
            timed_out.add(e["prompt"])
        if e["type"] != "rating_recorded":
            continue
        if e["ticket"] in stored:
            bad.append(f"ticket {e['number']} rated twice")
        stored[e["ticket"]] = e
        origin = rec["cmd"].get("origin") or {}
        if origin.get("dev") != evaluator_of.get(e["window"]):
            bad.append(f"rating {e['prompt']} came from {origin.get('dev')}, not window {e['window']}'s evaluator")
        want = sent.get(e["ticket"])
        if want is None:
            bad.append(f"rating {e['prompt']} for {e['number']} that no citizen gave")
            continue
        got = {"prompt": e["prompt"], "window": e["window"], "staff": e["staff"], "service": e["service"],
               "level": e["level"], "reasons": sorted(e["reasons"])}
        if got != want:
            bad.append(f"rating of {e['number']} stored as {got}, the citizen gave {want}")
    # A rating given while the evaluator's keys were lit is stored, even when the board was
    # offline and delivered it after the prompt had timed out here: none may be lost.
    for tid, want in sent.items():
        if tid not in stored:
            why = " (the prompt timed out first)" if want["prompt"] in timed_out else ""
            bad.append(f"rating {want['prompt']} given on the evaluator was not stored{why}")
    return bad, len(stored)


def desired_states(hall_id: str, port: int, devices: list[str], timeout: float = 5.0) -> dict[str, dict]:
    got: dict[str, dict] = {}
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"hil-check-{time.monotonic_ns()}")
    c.on_connect = lambda cl, ud, fl, rc, pr: cl.subscribe(f"hall/{hall_id}/device/+/desired", 1)
    c.on_message = lambda cl, ud, m: got.__setitem__(m.topic.split("/")[3], json.loads(m.payload))
    c.connect("127.0.0.1", port)
    c.loop_start()
    end = time.monotonic() + timeout
    while time.monotonic() < end and not all(d in got for d in devices):
        time.sleep(0.05)
    c.loop_stop()
    c.disconnect()
    return got


def frame_rows(d: dict) -> list[list[int]]:
    raw = base64.b64decode(d["frame"])
    fw, ph = d["fw"], d["ph"]
    return [[(raw[y * fw // 8 + x // 8] >> (7 - x % 8)) & 1 for x in range(fw)] for y in range(ph)]


def panel_matches(pixels: list[list[int]], d: dict) -> bool:
    """The panel shows the desired frame: its first pw columns, or for a scrolling
    frame the pw columns at any offset (wrapping round, as the display scrolls)."""
    rows, fw, pw = frame_rows(d), d["fw"], d["pw"]
    offsets = range(fw) if d["scroll"] else (0,)
    return any(all(pixels[y][x] == rows[y][(o + x) % fw] for y in range(d["ph"]) for x in range(pw))
               for o in offsets)


def check_displays(sim, windows: list[dict], timeout: float = 20.0) -> list[str]:
    """Every display shows the frame of the gateway's desired state, and that state says
    what the engine says (status and number); retried while boards settle."""
    hall = sim.hall
    shown = {w["number"]: w for w in windows}
    displays = {dev: b for dev, b in sim.boards.items() if b.role == "display"}
    end = time.monotonic() + timeout
    while True:
        bad = []
        want = desired_states(hall.id, sim.broker_port, list(displays))
        for dev, b in displays.items():
            d = want.get(dev)
            w = shown[hall.device(dev).window]
            if d is None:
                bad.append(f"{dev}: no desired state")
            elif d["status"] != w["status"] or d.get("ticket", "") != (w["ticket_number"] or ""):
                bad.append(f"{dev}: desired {d['status']} {d.get('ticket')}, engine {w['status']} {w['ticket_number']}")
            elif not panel_matches(b.display_pixels(), d):
                bad.append(f"{dev}: panel pixels differ from the desired frame ({d['text']})")
        if not bad or time.monotonic() > end:
            return bad
        time.sleep(0.5)


def audit_ok(data_dir: Path) -> list[str]:
    r = subprocess.run([sys.executable, "-m", "gateway.cli", "audit", "verify", "--data-dir", str(data_dir)],
                       capture_output=True, text=True)
    return [] if r.returncode == 0 else [f"hallgw audit verify: {(r.stdout + r.stderr).strip()}"]
