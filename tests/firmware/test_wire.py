"""firmware/wire.py (the device's lean side of the contract) against protocols/
under CPython: the same bytes out, and the same desired state accepted."""
import importlib.util
import json

import pytest

from hil.board.board import ROOT
from protocols import desired, events, status, topics

_spec = importlib.util.spec_from_file_location("fw_wire", ROOT / "firmware" / "wire.py")
wire = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wire)

FRAME = "A" * ((64 * 16 // 8 + 2) // 3 * 4)
VALID = {
    "display": {"v": 1, "rev": 3, "role": "display", "window": 5, "status": "calling", "text": "A012",
                "ticket": "A012", "pw": 64, "ph": 16, "fw": 64, "frame": FRAME, "scroll": False, "bright": 9},
    "callpad": {"v": 1, "rev": 3, "role": "callpad", "window": 1, "logged_in": True, "staff": "1045",
                "post": "A", "ticket": "A012", "tstate": "called", "recalls": 1, "waiting": 7,
                "paused": False, "msg": "hello", "reasons": ["lunch", "meeting"]},
    "evaluator": {"v": 1, "rev": 3, "role": "evaluator", "window": 1, "mode": "prompt", "prompt": "p-1",
                  "staff": "1045", "timeout": 60, "reasons": ["slow", "rude"], "rtexts": ["SLOW", "RUDE"],
                  "rv": "r1", "acked": ["p-0"]},
}
ODD = (None, True, False, 0, -1, 1, 8, 9, 99, 100, 600, 601, 999, 1000, 2147483648, 1.5, "", "x",
       "A", "idle", "called", "x" * 17, "x" * 25, "x" * 65, [], ["x"], ["x"] * 13, ["x"] * 17, [""], [1], {})


def variants():
    for role, base in VALID.items():
        yield role, base
        yield role, dict(base, extra=1)
        for k in base:
            yield role, {f: v for f, v in base.items() if f != k}
            for odd in ODD:
                yield role, dict(base, **{k: odd})
        for k in ("ticket", "staff", "post", "tstate", "recalls", "msg", "reasons", "prompt",
                  "timeout", "rtexts", "rv", "acked"):
            for odd in ODD:
                yield role, dict(base, **{k: odd})
    yield "display", dict(VALID["display"], fw=72, frame="A" * ((72 * 16 // 8 + 2) // 3 * 4))
    yield "display", dict(VALID["display"], fw=72, scroll=True, frame="A" * ((72 * 16 // 8 + 2) // 3 * 4))
    yield "evaluator", dict(VALID["evaluator"], mode="idle", prompt="")
    yield "evaluator", dict(VALID["evaluator"], prompt="")


def accepted(fn, *args):
    try:
        fn(*args)
        return True
    except ValueError:
        return False


def test_desired_state_is_accepted_exactly_when_protocols_accepts_it():
    n = {True: 0, False: 0}
    for role, d in variants():
        raw = json.dumps(d).encode()
        want = accepted(desired.decode, raw)
        assert accepted(wire.desired, raw, role) == want, d   # CPython json takes no memoryview
        n[want] += 1
    assert n[True] > 20 and n[False] > 500   # both sides of the line are exercised
    for raw in (b"\xff not json", b"[1]", b'{"v": true}', b'{"v": 2}', b"{}", b"x" * 9000):
        assert not accepted(wire.desired, raw, "callpad")


def test_another_roles_desired_state_is_refused():
    raw = json.dumps(VALID["display"]).encode()
    with pytest.raises(ValueError, match="this is a callpad"):
        wire.desired(raw, "callpad")


@pytest.mark.parametrize("name,fields", [
    ("login", {"staff": "1045"}), ("call_next", {}), ("finish", {"case": "promised"}),
    ("pause", {"reason": "会议"}), ("transfer", {"to_window": 12}), ("request_evaluation", {})])
def test_actions_are_byte_identical(name, fields):
    ours = wire.encode(wire.action("w01-pad", "a1b2c3d4", 7, 1700000000, name, **fields))
    assert ours == events.encode(events.action("w01-pad", "a1b2c3d4", 7, 1700000000, name, **fields))


@pytest.mark.parametrize("fields", [{"staff": "12ab"}, {"to_window": 0}, {"reason": ""}])
def test_bad_key_input_is_refused_as_protocols_refuses_it(fields):
    with pytest.raises(ValueError):
        events.action("d", "b", 1, 0, "transfer" if "to_window" in fields else "login", **fields)
    with pytest.raises(ValueError):
        wire.action("d", "b", 1, 0, "transfer" if "to_window" in fields else "login", **fields)


@pytest.mark.parametrize("level,reasons,rv", [(5, None, None), (2, ["slow"], "r1"), (1, ["a", "b"], None)])
def test_ratings_are_byte_identical(level, reasons, rv):
    args = ("w01-eval", "a1b2c3d4", 3, 1700000000, "p-9", level, 1699999999, reasons, rv)
    assert wire.encode(wire.rating(*args)) == events.encode(events.rating(*args))


def test_state_availability_and_topics_are_byte_identical():
    for online, boot in ((True, "a1b2c3d4"), (False, "a1b2c3d4"), (False, None)):
        assert wire.availability(online, boot) == status.availability(online, boot)
    s = {"dev": "d1", "boot": "a1b2c3d4", "role": "evaluator", "fw": "1.0.0", "uptime": 5, "rev": 2,
         "heap": 30000, "rssi": -58, "queued": 1}
    assert wire.state(dict(s)) == status.encode_state(dict(s))
    for kind in ("event", "state", "availability", "desired"):
        assert wire.topic("h-1", "d_2", kind) == topics.device("h-1", "d_2", kind)
    assert len(wire.boot_id()) == 8 and wire.boot_id() != wire.boot_id()
