"""A simulated hall day per role on an emulated board under `micropython -X heapsize=96K`:
a call pad's logins, calls and finishes, an evaluator's prompts and ratings, a display's
frames, driven through a stand-in gateway, and the peak gc.mem_alloc() the role reached.
`hall-bench heap` and `hall-bench tls` print the figures; tests/firmware asserts that a
day runs without a MemoryError or a reset."""
from __future__ import annotations

import base64
import functools

from gateway.devices.desired import glyphs
from hil.board.board import ROOT, Board
from hil.board.gateway_stub import GatewayStub

HALL = "heap-hall"


@functools.cache
def county():
    """The words of the county example the screens show: clerks' names, pause
    reasons, 差评 reasons."""
    from gateway.config import load_file
    return load_file(ROOT / "hall_config" / "county.toml")


def _frame(fw: int, ph: int, seed: int) -> str:
    raw = bytes((seed * 37 + i * 11) & 255 for i in range(fw * ph // 8))
    return base64.b64encode(raw).decode()


def _callpad_day(b: Board, gw: GatewayStub, dev: str, rounds: int) -> None:
    hall = county()
    names = [m.name for m in hall.staff]
    base = {"v": 1, "role": "callpad", "window": 1, "logged_in": True, "post": "A",
            "tstate": "called", "waiting": 0, "paused": False, "reasons": list(hall.queue.pause_reasons)}
    # a message now and then, as the gateway sends them: a refusal, or the tidal alert in Chinese
    msgs = ("", "没有等候本窗口的号", "", "社保窗口等候超过15分钟,请开潮汐窗口")
    b.type("1045")
    b.press("ok")
    for i in range(rounds):
        msg, staff = msgs[i % 4], names[i % len(names)]   # A and B posts take turns
        base.update(staff=staff, **glyphs(staff, *base["reasons"]))
        gw.publish_desired(dev, dict(base, ticket=f"A{i:03d}", waiting=40 - i % 40, recalls=i % 3, msg=msg,
                                     **glyphs(staff, *base["reasons"], msg)))
        for k in ("call", "recall", "start", "finish", str(1 + i % 5), "eval"):
            b.press(k)
        if i % 4 == 3:
            b.press("pause")
            b.press("2")
            gw.publish_desired(dev, dict(base, paused=True, pause_reason=base["reasons"][1]))
            b.press("pause")
        if i % 5 == 4:    # a short Wi-Fi drop in the afternoon
            b.wifi(False)
            b.press("call")
            b.wifi(True)
            b.wait_until(lambda: "离线" not in b.screen_text()[0], 20, "back online")
    b.press("back", long=True)
    gw.wait(lambda: gw.events_of(dev, "logout"), 10, "logout")


def _evaluator_day(b: Board, gw: GatewayStub, dev: str, rounds: int) -> None:
    acked: list[str] = []
    for i in range(rounds):
        pid = f"p-{i:04d}"
        ev = county().evaluation
        rtexts = [r.text for r in ev.reasons]
        reasons = {"reasons": [r.code for r in ev.reasons], "rtexts": rtexts, "rv": ev.reasons_version}
        staff = county().staff[i % len(county().staff)].name
        gw.publish_desired(dev, {"v": 1, "role": "evaluator", "window": 1, "mode": "prompt", "prompt": pid,
                                 "staff": staff, "acked": acked[-16:], **reasons,
                                 **glyphs(staff, *rtexts)})
        b.wait_until(lambda: b.leds()["basic"], 10, "prompt lit")
        offline = i % 5 == 4
        if offline:
            b.wifi(False)
        key = ("very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied")[i % 5]
        b.press(key)
        if i % 5 >= 3:
            b.press("next")
            b.press("pick")
            b.press("done")
        if offline:
            b.wifi(True)
        gw.wait(lambda p=pid: any(e["prompt"] == p for e in gw.events_of(dev, "rating")), 20, "rating " + pid)
        acked.append(pid)
    gw.publish_desired(dev, {"v": 1, "role": "evaluator", "window": 1, "mode": "thanks", "acked": acked[-16:]})
    gw.wait(lambda: gw.state.get(dev, {}).get("queued") == 0, 10, "queue emptied")


def _display_day(b: Board, gw: GatewayStub, dev: str, rounds: int) -> None:
    for i in range(rounds):
        # the widest frame the contract allows every third change: the decode's worst case
        fw = (64, 192, 2048)[i % 3]
        rev = gw.publish_desired(dev, {"v": 1, "role": "display", "window": 1, "status": "calling",
                                       "text": f"A{i:03d}", "pw": 64, "ph": 16, "fw": fw,
                                       "frame": _frame(fw, 16, i), "scroll": fw > 64, "bright": i % 16})
        gw.wait(lambda r=rev: gw.state.get(dev, {}).get("rev") == r, 10, f"rev {rev} applied")
        if i % 5 == 4:
            b.wifi(False)
            b.wait_until(lambda: b.display_pixels()[0][63], 30, "offline marker")
            b.wifi(True)
            gw.wait(lambda: gw.online(dev), 20, "back online")


DAYS = {"callpad": _callpad_day, "evaluator": _evaluator_day, "display": _display_day}


def hall_day(role: str, b: Board, gw: GatewayStub, rounds: int) -> int:
    """Drive one board through `rounds` customers of a day; the role's peak heap in bytes."""
    dev = b.config["device"]
    try:
        gw.wait(lambda: gw.online(dev), 15, dev + " online")
        DAYS[role](b, gw, dev, rounds)
    except TimeoutError as e:
        raise TimeoutError(f"{e}\n--- {dev} console ---\n" + "\n".join(b.serial[-30:])) from None
    return b.mem()["peak"]


def check_healthy(b: Board) -> None:
    bad = [ln for ln in b.serial if "MemoryError" in ln or "Traceback" in ln]
    if bad or b.halted is not None or b.boots != 1:
        tail = "\n".join(b.serial[-30:])
        raise AssertionError(f"{b.role}: {bad} (halted {b.halted!r}, boots {b.boots})\n{tail}")


def config(port: int, dev: str, role: str) -> dict:
    return {"device": dev, "hall": HALL, "window": 1, "wifi_ssid": "hall-iot", "wifi_password": "x",
            "broker_host": "127.0.0.1", "broker_port": port, "keepalive": 10, "wdt_ms": 8000}
