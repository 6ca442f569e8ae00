"""firmware/wire.py (the device's lean side of the contract) against protocols/
under CPython: the same bytes out, and the same desired state accepted."""
import base64
import importlib.util
import json
import sys

import pytest

from hil.board.board import ROOT
from protocols import desired, events, status, topics


def _load(name):
    spec = importlib.util.spec_from_file_location("fw_" + name, ROOT / "firmware" / (name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


wire = _load("wire")
# each role's own rules import wire by its name on the device
_saved = sys.modules.get("wire")
sys.modules["wire"] = wire
try:
    RULES = {role: _load("wire_" + role) for role in ("callpad", "evaluator", "display")}
finally:
    if _saved is None:
        del sys.modules["wire"]
    else:
        sys.modules["wire"] = _saved


def desired_of(raw, role, n=-1):
    return wire.desired(raw, RULES[role], n)


FRAME = base64.b64encode(bytes(64 * 16 // 8)).decode()
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
    yield "display", dict(VALID["display"], frame="A" * len(FRAME))       # 129 bytes, not 128
    yield "display", dict(VALID["display"], frame="!" * len(FRAME))
    yield "display", dict(VALID["display"], fw=72, scroll=True, frame="A" * ((72 * 16 // 8 + 2) // 3 * 4))
    g1 = base64.b64encode(bytes(range(32))).decode()          # one glyph
    g2 = base64.b64encode(bytes(range(64))).decode()          # two
    for role in ("callpad", "evaluator"):
        for gl, gb in (("王", g1), ("王芳", g2), ("", ""), ("王", ""), ("", g1), ("王芳", g1), ("王", g2),
                       ("王王", g2), ("A芳", g2), ("王", "!" * 44), ("王", g1[:-4] + "A=A="),
                       ("王", g1.replace("A", "-")), ("王", 5), (5, g1)):
            yield role, dict(VALID[role], gl=gl, gb=gb)
        yield role, dict(VALID[role], gb=g1)
    yield "display", dict(VALID["display"], gl="王", gb=g1)
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
        assert accepted(desired_of, raw, role) == want, d
        # as the device gets it: a bytearray (parsed in place where it can be), and
        # in a receive buffer longer than the message
        assert accepted(desired_of, bytearray(raw), role) == want, d
        assert accepted(desired_of, bytearray(desired.encode(dict(d)).encode() if want else raw) + b"x" * 9,
                        role, len(desired.encode(dict(d)).encode()) if want else len(raw)) == want, d
        n[want] += 1
    assert n[True] > 20 and n[False] > 500   # both sides of the line are exercised
    for raw in (b"\xff not json", b"[1]", b'{"v": true}', b'{"v": 2}', b"{}", b"x" * 9000):
        assert not accepted(desired_of, raw, "callpad")


def test_another_roles_desired_state_is_refused():
    raw = json.dumps(VALID["display"]).encode()
    with pytest.raises(ValueError, match="this is a callpad"):
        desired_of(raw, "callpad")


@pytest.mark.parametrize("name,fields", [
    ("login", {"staff": "1045"}), ("call_next", {}), ("finish", {"case": "promised"}),
    ("pause", {"reason": "会议"}), ("transfer", {"to_window": 12}), ("request_evaluation", {}),
    ("attach_case", {"project": "20240915000123"}), ("attach_case", {"project": "330100-2026-Ab9"})])
def test_actions_are_byte_identical(name, fields):
    ours = wire.encode(RULES["callpad"].action("w01-pad", "a1b2c3d4", 7, 1700000000, name, **fields))
    assert ours == events.encode(events.action("w01-pad", "a1b2c3d4", 7, 1700000000, name, **fields))


@pytest.mark.parametrize("fields", [{"staff": "12ab"}, {"to_window": 0}, {"reason": ""}, {"project": ""},
                                    {"project": "9" * 41}, {"project": "2024 01"}, {"project": "办件1"},
                                    {"project": "\u0661"}])
def test_bad_key_input_is_refused_as_protocols_refuses_it(fields):
    name = "transfer" if "to_window" in fields else "attach_case" if "project" in fields else "login"
    with pytest.raises(ValueError):
        events.action("d", "b", 1, 0, name, **fields)
    with pytest.raises(ValueError):
        RULES["callpad"].action("d", "b", 1, 0, name, **fields)


@pytest.mark.parametrize("level,reasons,rv", [(5, None, None), (2, ["slow"], "r1"), (1, ["a", "b"], None)])
def test_ratings_are_byte_identical(level, reasons, rv):
    args = ("w01-eval", "a1b2c3d4", 3, 1700000000, "p-9", level, 1699999999, reasons, rv)
    assert wire.encode(RULES["evaluator"].rating(*args)) == events.encode(events.rating(*args))


def test_state_availability_and_topics_are_byte_identical():
    for online, boot in ((True, "a1b2c3d4"), (False, "a1b2c3d4"), (False, None)):
        assert wire.availability(online, boot) == status.availability(online, boot)
    s = {"dev": "d1", "boot": "a1b2c3d4", "role": "evaluator", "fw": "1.0.0", "uptime": 5, "rev": 2,
         "heap": 30000, "rssi": -58, "queued": 1, "pm": "none"}
    assert wire.state(dict(s)) == status.encode_state(dict(s))
    for kind in ("event", "state", "availability", "desired"):
        assert wire.topic("h-1", "d_2", kind) == topics.device("h-1", "d_2", kind)
    assert len(wire.boot_id()) == 8 and wire.boot_id() != wire.boot_id()


@pytest.mark.parametrize("role", ["callpad", "evaluator"])
def test_glyphs_are_lifted_out_of_the_receive_buffer_and_the_rest_parsed_as_protocols_does(role):
    gb = base64.b64encode(bytes(range(64))).decode()
    d = dict(VALID[role], gl="王芳", gb=gb, staff="王芳")
    raw = desired.encode(dict(d)).encode()
    assert raw.endswith(b'"gb": "' + gb.encode() + b'"}')     # sent last, Chinese as UTF-8
    buf = bytearray(raw) + b"\0" * 100                          # a receive buffer holds more
    got = desired_of(buf, role, len(raw))
    assert isinstance(got["gb"], memoryview) and bytes(got["gb"]) == gb.encode()
    assert dict(got, gb=gb) == desired.decode(raw)
    # not last (another sender): parsed from a copy, the same state
    other = json.dumps({"gb": gb, **{k: v for k, v in d.items() if k != "gb"}}).encode()
    got = desired_of(bytearray(other), role)
    assert dict(got, gb=bytes(got["gb"]).decode()) == desired.decode(other)


def _largest(role):
    """The largest desired state of a role the contract allows, Chinese wherever text may be."""
    zh = "王" * 64
    gl = "".join(chr(0x4E00 + i) for i in range(desired.GLYPHS_MAX))
    glyph = {"gl": gl, "gb": base64.b64encode(bytes(len(gl) * 32)).decode()}
    top = {"v": 1, "rev": desired.REV_MAX, "role": role, "window": 999}
    if role == "callpad":
        return dict(top, logged_in=True, staff=zh[:16], post="A", ticket="A" * 8, tstate="serving", recalls=99,
                    waiting=9999, paused=False, pause_reason=zh[:16], msg=zh[:48],
                    reasons=[zh[:16]] * desired.PAUSE_REASONS_MAX, **glyph)
    if role == "evaluator":
        return dict(top, mode="prompt", prompt="p" * 24, staff=zh[:16], timeout=600, reasons=[zh[:16]] * 12,
                    rtexts=[zh[:24]] * 12, rv=zh[:16], acked=["p" * 24] * 16, **glyph)
    # the widest frame within the 6000-character cap: 1496 x 24 px
    return dict(top, status="calling", text=zh, ticket="A" * 8, pw=512, ph=24, fw=1496,
                frame=base64.b64encode(bytes(1496 * 24 // 8)).decode(), scroll=True, bright=15)


@pytest.mark.parametrize("role", ["callpad", "evaluator", "display"])
def test_the_receive_buffer_is_the_contracts_and_holds_the_largest_call_pad_and_display_states(role):
    assert RULES[role].RX_BYTES == desired.RX_BYTES[role]
    raw = desired.encode(_largest(role)).encode()
    assert desired_of(bytearray(raw), role)["rev"] == desired.REV_MAX
    if role != "evaluator":   # its size depends on the hall's reasons: the hall file check holds it
        assert len(raw) <= RULES[role].RX_BYTES < len(raw) + 64
