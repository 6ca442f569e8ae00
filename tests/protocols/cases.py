# Wire-contract cases that run unchanged on CPython (through pytest, see
# test_protocols.py) and on the MicroPython unix port (run as a script).
# Plain asserts and no pytest features: both interpreters must agree.
import json

from protocols import desired, events, identity, status, topics


def raises(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ValueError as e:
        return str(e)
    raise AssertionError("no ValueError from %r" % (fn,))


def case_topics_roundtrip():
    t = topics.event("county-demo", "w01-pad")
    assert t == "hall/county-demo/device/w01-pad/event"
    assert topics.parse(t) == ("county-demo", "w01-pad", "event")
    assert topics.parse(b"hall/h/device/d/desired") == ("h", "d", "desired")
    assert topics.parse(topics.gateway_availability("h")) == ("h", None, "availability")
    assert topics.device_filter("h", "state") == "hall/h/device/+/state"


def case_topics_refuse_bad_ids():
    for bad in ("", "A", "a/b", "a+b", "a#", "x" * 33, "中"):
        raises(topics.event, "hall", bad)
        raises(topics.event, bad, "dev")
    raises(topics.parse, "hall/h/device/d/other")
    raises(topics.parse, "hall/h/device/+/event")
    raises(topics.parse, "other/h/device/d/event")
    raises(topics.device, "h", "d", "nope")


def _action(**kw):
    base = {"v": 1, "dev": "w01-pad", "boot": "a1b2c3d4", "seq": 1, "ts": 0, "type": "action"}
    base.update(kw)
    return base


def case_action_roundtrip():
    e = events.action("w01-pad", "a1b2c3d4", 7, 1700000000, "finish", case="promised")
    back = events.decode(events.encode(e))
    assert back == e
    assert events.identity(back) == ("w01-pad", "a1b2c3d4", 7)


def case_action_rules():
    assert "login needs" in raises(events.validate, _action(action="login"))
    assert "digits" in raises(events.validate, _action(action="login", staff="12ab"))
    assert "pause needs" in raises(events.validate, _action(action="pause"))
    assert "HH:MM" in raises(events.validate, _action(action="pause", reason="会议", until="25:00"))
    assert "exactly one" in raises(events.validate, _action(action="transfer"))
    assert "exactly one" in raises(events.validate, _action(action="transfer", to_window=2, to_service="SB"))
    events.validate(_action(action="transfer", to_staff="s003"))
    events.validate(_action(action="pause", reason="会议", until="14:30"))
    assert "unknown value" in raises(events.validate, _action(action="explode"))
    assert "unknown value" in raises(events.validate, _action(action="finish", case="maybe"))


def case_attach_case():
    # 办件编号: 1..40 of A-Z a-z 0-9 and '-'; the call pad types digits
    for no in ("20240915001", "330100-2026-000123", "AbC9", "1", "9" * 40):
        e = events.action("w01-pad", "a1b2c3d4", 8, 1700000000, "attach_case", project=no)
        assert events.decode(events.encode(e)) == e and e["project"] == no
    assert "attach_case needs 'project'" in raises(events.validate, _action(action="attach_case"))
    for bad in ("", "9" * 41):
        assert "length out of range" in raises(events.validate, _action(action="attach_case", project=bad))
    for bad in ("2024 0915", "2024_0915", "2024/0915", "办件2024", "\u0661\u0662", "ａ1", "12\n"):
        assert "A-Z a-z 0-9 -" in raises(events.validate, _action(action="attach_case", project=bad)), bad
    assert "wrong type" in raises(events.validate, _action(action="attach_case", project=2024))
    assert "attach_case only" in raises(events.validate, _action(action="call_next", project="2024"))
    assert "attach_case" in events.ACTIONS


def case_envelope_strict():
    assert "unknown field" in raises(events.validate, _action(action="start", extra=1))
    assert "missing field 'seq'" in raises(events.validate, {"v": 1, "dev": "d", "boot": "b", "ts": 0,
                                                             "type": "action", "action": "start"})
    assert "wrong type" in raises(events.validate, _action(action="start", seq="1"))
    assert "wrong type" in raises(events.validate, _action(action="start", seq=True))
    assert "out of range" in raises(events.validate, _action(action="start", seq=0))
    assert "bad device id" in raises(events.validate, _action(action="start", dev="W01"))
    assert "unknown value" in raises(events.validate, _action(type="gossip"))


def case_decode_refuses_garbage():
    assert "not JSON" in raises(events.decode, b"{nope")
    assert "not UTF-8" in raises(events.decode, b"\xff\xfe")
    assert "JSON object" in raises(events.decode, b"[1,2]")
    assert "version" in raises(events.decode, b'{"v":2}')
    assert "version" in raises(events.decode, b'{"x":1}')
    assert "exceeds" in raises(events.decode, b" " * 2000)
    e = _action(action="start")
    e["v"] = True
    assert "version" in raises(events.decode, json.dumps(e))


def case_rating_rules():
    r = events.rating("w01-eval", "00ff00ff", 3, 0, "p-17", 1, 1700000100, reasons=["01", "05"], rv="2026.1")
    assert events.decode(events.encode(r)) == r
    bad = dict(r)
    bad["level"] = 6
    assert "out of range" in raises(events.validate, bad)
    good_with_reasons = dict(r)
    good_with_reasons["level"] = 5
    assert "差评" in raises(events.validate, good_with_reasons) or "不满意" in raises(events.validate, good_with_reasons)
    no_reasons = events.rating("w01-eval", "00ff00ff", 4, 0, "p-18", 2, 0)
    assert "reasons" not in no_reasons


def _display(**kw):
    d = {"v": 1, "rev": 3, "role": "display", "window": 1, "status": "calling", "text": "A012",
         "pw": 64, "ph": 16, "fw": 64, "frame": "A" * 171 + "=", "scroll": False, "bright": 8}
    d.update(kw)
    return d


def case_desired_display():
    d = _display()
    assert desired.decode(desired.encode(d)) == d
    assert "frame is" in raises(desired.validate, _display(frame="A" * 100))
    assert "scroll" in raises(desired.validate, _display(fw=128, frame="A" * 342 + "=="))
    desired.validate(_display(fw=128, frame="A" * 342 + "==", scroll=True))
    assert "not base64" in raises(desired.validate, _display(frame="A" * 172))
    assert "multiples of 8" in raises(desired.validate, _display(pw=60))
    assert "narrower" in raises(desired.validate, _display(fw=56, pw=64, frame="A" * 150 + "=="))


def case_desired_callpad_evaluator():
    c = {"v": 1, "rev": 1, "role": "callpad", "window": 3, "logged_in": True, "staff": "王芳",
         "post": "A", "ticket": "A012", "tstate": "called", "recalls": 0, "waiting": 5,
         "paused": False, "msg": "", "reasons": ["会议", "培训"]}
    assert desired.decode(desired.encode(c)) == c
    e = {"v": 1, "rev": 2, "role": "evaluator", "window": 3, "mode": "prompt", "prompt": "p-1",
         "staff": "王芳", "timeout": 60, "reasons": ["01", "02"], "rtexts": ["服务态度差", "办事效率低"],
         "rv": "2026.1", "acked": ["p-0"]}
    assert desired.decode(desired.encode(e)) == e
    e2 = dict(e)
    e2["rtexts"] = ["x"]
    assert "differ" in raises(desired.validate, e2)
    e3 = dict(e)
    del e3["prompt"]
    assert "prompt id" in raises(desired.validate, e3)
    # glyphs: 32 bytes of bitmap (base64) for each non-ASCII character named in gl
    two = "A" * 86 + "=="
    g = dict(c, gl="王芳", gb=two)
    assert desired.decode(desired.encode(g)) == g
    assert "32 bytes" in raises(desired.validate, dict(c, gl="王芳", gb="A" * 42 + "=="))
    assert "base64" in raises(desired.validate, dict(c, gl="王芳", gb="!" * 88))
    assert "base64" in raises(desired.validate, dict(c, gl="王芳", gb="A" * 88))
    assert "ASCII" in raises(desired.validate, dict(c, gl="王A", gb=two))
    assert "twice" in raises(desired.validate, dict(c, gl="王王", gb=two))
    assert "32 bytes" in raises(desired.validate, dict(e, gl="王", gb=""))
    assert "more than 9 items" in raises(desired.validate, dict(c, reasons=["x"] * 10))
    p = dict(c, paused=True, pause_reason="会议")   # the reason the window is paused for
    assert desired.decode(desired.encode(p)) == p
    assert "length out of range" in raises(desired.validate, dict(p, pause_reason="很" * 17))
    assert "unknown value" in raises(desired.validate, {"v": 1, "rev": 0, "role": "toaster"})
    assert "wrong type" in raises(desired.validate, {"v": 1, "rev": 0, "role": ["display"]})
    assert "wrong type" in raises(desired.validate, {"v": 1, "rev": 0, "role": {"a": 1}})


def case_status():
    a = status.decode_availability(status.availability(False, "0a0b0c0d"))
    assert a == {"v": 1, "online": False, "boot": "0a0b0c0d"}
    s = {"v": 1, "dev": "w01-led", "boot": "0a0b0c0d", "role": "display", "fw": "0.1.0",
         "uptime": 12, "rev": 4, "heap": 40000, "rssi": -61}
    assert status.decode_state(status.encode_state(dict(s))) == s   # an older device: no power-save mode
    for pm in ("none", "performance", "powersave"):
        assert status.decode_state(status.encode_state(dict(s, pm=pm)))["pm"] == pm
    assert "unknown value" in raises(status.decode_state, json.dumps(dict(s, pm="sleepy")))
    assert "wrong type" in raises(status.decode_state, json.dumps(dict(s, pm=1)))
    s["rssi"] = 5
    assert "out of range" in raises(status.decode_state, json.dumps(s))


def case_identity():
    a = identity.Sequence()
    b = identity.Sequence()
    assert len(a.boot) == 8 and a.boot != b.boot
    assert (a.next(), a.next(), a.next()) == (1, 2, 3)


CASES = [case_topics_roundtrip, case_topics_refuse_bad_ids, case_action_roundtrip, case_action_rules,
         case_attach_case, case_envelope_strict, case_decode_refuses_garbage, case_rating_rules, case_desired_display,
         case_desired_callpad_evaluator, case_status, case_identity]


def main():
    failed = 0
    for c in CASES:
        try:
            c()
            print("PASS", c.__name__)
        except Exception as e:  # report every case, not just the first failure
            failed += 1
            print("FAIL", c.__name__, repr(e))
    print("%d passed, %d failed" % (len(CASES) - failed, failed))
    return failed


if __name__ == "__main__":
    import sys
    sys.exit(1 if main() else 0)
