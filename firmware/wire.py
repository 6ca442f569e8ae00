# The firmware's side of the wire contract (protocols/), lean enough for a
# 96K heap: loading protocols/ as it is costs ~22K, this ~4K. It builds the
# same dicts in the same order as protocols/ does, so messages are byte for
# byte what protocols/ would send, and accepts exactly the desired state
# protocols.desired.decode accepts (tests/firmware/test_wire.py holds both
# to that under CPython). Field specs are strings, not tuples: a constant
# tuple costs heap for every item, a string only its bytes.
import json
import os

CASE_TYPES = ("immediate", "promised", "joint", "reported", "refused")
BAD_LEVEL_MAX = 2
_V = 1
_DESIRED_MAX = 8192

# name kind required lo hi [choices|cap]; kinds: i int, s str, b bool, l list of str
_COMMON = "v i 1 1 1;rev i 1 0 2147483647;role s 1 1 12 callpad|evaluator|display"
_TYPES = (int, str, bool, list)
_SPECS = {
    "display": ";window i 1 1 999;status s 1 1 8 idle|calling|serving|paused|closed;text s 1 0 64;ticket s 0 0 8;"
               "pw i 1 8 512;ph i 1 8 64;fw i 1 8 2048;frame s 1 4 6000;scroll b 1 0 0;bright i 1 0 15",
    "callpad": ";window i 1 1 999;logged_in b 1 0 0;staff s 0 0 16;post s 0 0 1 |A|B;ticket s 0 0 8;"
               "tstate s 0 0 8 |called|serving;recalls i 0 0 99;waiting i 1 0 9999;paused b 1 0 0;"
               "msg s 0 0 48;reasons l 0 1 16 12",
    "evaluator": ";window i 1 1 999;mode s 1 1 8 idle|prompt|thanks;prompt s 0 0 24;staff s 0 0 16;timeout i 0 0 600;"
                 "reasons l 0 1 16 12;rtexts l 0 1 24 12;rv s 0 0 16;acked l 0 1 24 16",
}


def topic(hall, dev, kind):
    return "hall/%s/device/%s/%s" % (hall, dev, kind)


def boot_id():
    return "".join("%02x" % x for x in os.urandom(4))


def availability(online, boot=None):
    d = {"v": _V, "online": bool(online)}
    if boot:
        d["boot"] = boot
    return json.dumps(d)


def state(d):
    d.setdefault("v", _V)
    return json.dumps(d)


def action(dev, boot, seq, ts, name, **fields):
    e = {"v": _V, "dev": dev, "boot": boot, "seq": seq, "ts": ts, "type": "action", "action": name}
    e.update(fields)
    # What keys can get wrong; the rest comes from config or desired state,
    # both checked already.
    s = e.get("staff")
    if s is not None and not (0 < len(s) <= 12 and s.isdigit()):
        raise ValueError("field 'staff' must be 1-12 digits")
    w = e.get("to_window")
    if w is not None and not 1 <= w <= 999:
        raise ValueError("field 'to_window' out of range 1..999")
    r = e.get("reason")
    if r is not None and not 0 < len(r) <= 32:
        raise ValueError("field 'reason' length out of range 1..32")
    return e


def rating(dev, boot, seq, ts, prompt, level, rated_at, reasons=None, rv=None):
    e = {"v": _V, "dev": dev, "boot": boot, "seq": seq, "ts": ts,
         "type": "rating", "prompt": prompt, "level": level, "rated_at": rated_at}
    if reasons:
        if level > BAD_LEVEL_MAX:
            raise ValueError("reasons are only given with 不满意 or 非常不满意")
        e["reasons"] = reasons
    if rv:
        e["rv"] = rv
    return e


def encode(e):
    return json.dumps(e)


def _bad(name, why):
    raise ValueError("field '%s' %s" % (name, why))


def _check(d, spec, seen):
    for f in spec.split(";"):
        p = f.split(" ")
        name, kind, lo, hi = p[0], p[1], int(p[3]), int(p[4])
        seen.append(name)
        if name not in d:
            if p[2] == "1":
                raise ValueError("missing field '%s'" % name)
            continue
        v = d[name]
        if type(v) is not _TYPES["isbl".index(kind)]:
            _bad(name, "has the wrong type")
        if kind == "i":
            if v < lo or v > hi:
                _bad(name, "out of range")
        elif kind == "s":
            if len(v) < lo or len(v) > hi:
                _bad(name, "length out of range")
            if len(p) > 5 and v not in p[5].split("|"):
                _bad(name, "has unknown value")
        elif kind == "l":
            if len(v) > int(p[5]):
                _bad(name, "has too many items")
            for x in v:
                if type(x) is not str or len(x) < lo or len(x) > hi:
                    _bad(name, "has a bad item")


def desired(raw, role):
    """Desired state for this role from the payload (bytes or memoryview,
    parsed in place, not copied); ValueError for anything protocols.desired
    would refuse, or for another role's state."""
    if len(raw) > _DESIRED_MAX:
        raise ValueError("message of %d bytes exceeds %d" % (len(raw), _DESIRED_MAX))
    try:
        d = json.loads(raw)
    except Exception:   # MicroPython raises ValueError, CPython also UnicodeDecodeError
        raise ValueError("message is not JSON")
    if type(d) is not dict:
        raise ValueError("message is not a JSON object")
    if d.get("v") != _V or type(d.get("v")) is not int:
        raise ValueError("unsupported version %r" % (d.get("v"),))
    seen = []
    # an unknown role fails on the common fields already
    r = d.get("role")
    _check(d, _COMMON + (_SPECS.get(r, "") if type(r) is str else ""), seen)
    for k in d:
        if k not in seen:
            raise ValueError("unknown field '%s'" % (k,))
    if r == "display":
        if d["fw"] % 8 or d["pw"] % 8 or d["ph"] % 8:
            raise ValueError("display sizes must be multiples of 8")
        if d["fw"] < d["pw"]:
            raise ValueError("frame narrower than the panel")
        if d["scroll"] != (d["fw"] > d["pw"]):
            raise ValueError("scroll must be set exactly when the frame is wider than the panel")
        if len(d["frame"]) != (d["fw"] * d["ph"] // 8 + 2) // 3 * 4:
            raise ValueError("frame has the wrong length")
    elif r == "evaluator":
        if len(d.get("reasons", ())) != len(d.get("rtexts", ())):
            raise ValueError("reasons and rtexts differ in length")
        if d["mode"] == "prompt" and not d.get("prompt"):
            raise ValueError("a prompt needs its prompt id")
    if r != role:
        raise ValueError("desired state for a %s, this is a %s" % (r, role))
    return d
