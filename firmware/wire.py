# The firmware's side of the wire contract (protocols/), lean enough for a
# 96K heap: loading protocols/ as it is costs ~22K, this ~4K. It builds the
# same dicts in the same order as protocols/ does, so messages are byte for
# byte what protocols/ would send, and accepts exactly the desired state
# protocols.desired.decode accepts (tests/firmware/test_wire.py holds both
# to that under CPython). What one role alone needs (its desired state's
# fields, the events it sends, its receive buffer) is in wire_<role>.py:
# a device loads its own role's rules, not the others'. Field specs are
# strings, not tuples: a constant tuple costs heap for every item, a string
# only its bytes.
import binascii
import json
import os

V = 1
DESIRED_MAX = 8192

# name kind required lo hi [choices|cap]; kinds: i int, s str, b bool, l list of str
_COMMON = "v i 1 1 1;rev i 1 0 2147483647;role s 1 1 12 callpad|evaluator|display"
# gl: up to 48 non-ASCII characters, gb: their 16x16 bitmaps, 32 bytes each, base64
_GLYPHS = ";gl s 0 0 48;gb s 0 0 2048"
_TYPES = (int, str, bool, list)


def topic(hall, dev, kind):
    return "hall/%s/device/%s/%s" % (hall, dev, kind)


def boot_id():
    return "".join("%02x" % x for x in os.urandom(4))


def availability(online, boot=None):
    d = {"v": V, "online": bool(online)}
    if boot:
        d["boot"] = boot
    return json.dumps(d)


def state(d):
    d.setdefault("v", V)
    return json.dumps(d)


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
        # a memoryview is a string lifted out of the payload by _lift
        if type(v) is not _TYPES["isbl".index(kind)] and not (kind == "s" and type(v) is memoryview):
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


_WS = b" \t\r\n"


def _loads(b):
    try:
        return json.loads(b)
    except TypeError:   # CPython's json takes no memoryview (the tests run this file there)
        return json.loads(bytes(b))


def _lift(raw, n, key):
    # The big base64 field (a display's frame, up to 6 kB; a screen's glyphs)
    # stays where it arrived, as a memoryview into raw: parsed into a string
    # it would need a second large block, which a fragmented heap may not
    # have. protocols.desired sends it last, so in a bytearray the rest is
    # parsed in place: the comma before it becomes the closing brace;
    # otherwise the rest is copied. A literal '"frame":' in JSON can only be
    # that key: a quote inside a string is escaped. Returns (what to parse,
    # the field or None).
    i = raw.find(key, 0, n)
    if i < 0:
        return (raw if n == len(raw) else memoryview(raw)[:n]), None
    a = i + len(key)
    j = raw.find(b'"', a, n)
    k = raw.find(b'"', j + 1, n) if j > 0 else -1
    if k < 0:
        raise ValueError("field %s has the wrong type" % str(key[:-1], "utf-8"))
    for c in raw[a:j]:
        if c not in _WS:
            raise ValueError("field %s has the wrong type" % str(key[:-1], "utf-8"))
    v = memoryview(raw)[j + 1:k]
    c = i - 1
    while c > 0 and raw[c] in _WS:
        c -= 1
    e = k + 1
    while e < n and raw[e] in _WS:
        e += 1
    if type(raw) is bytearray and raw[c] == 44 and e == n - 1 and raw[e] == 125:   # ',' ... '}'
        raw[c] = 125
        return memoryview(raw)[:c + 1], v
    return raw[:j + 1] + raw[k:n], v   # the field's value left empty


def b64_bytes(b):
    """How many bytes the base64 text b decodes to, -1 if it is not base64.
    In chunks: no second copy of it on the heap."""
    n = 0
    try:
        for i in range(0, len(b), 64):
            n += len(binascii.a2b_base64(b[i:i + 64]))
    except ValueError:
        return -1
    return n


def desired(raw, rules, n=-1):
    """Desired state for this device from the payload raw[:n] (bytes or
    bytearray; n < 0: all of it), by its role's rules (wire_<role>: ROLE,
    SPEC, GLYPHS, check); ValueError for anything protocols.desired would
    refuse, or for another role's state. A display's "frame" and a screen's
    "gb" come back as memoryviews into raw: use them before raw is reused."""
    if n < 0:
        n = len(raw)
    if n > DESIRED_MAX:
        raise ValueError("message of %d bytes exceeds %d" % (n, DESIRED_MAX))
    key = "gb" if rules.GLYPHS else "frame"
    raw, big = _lift(raw, n, b'"gb":' if rules.GLYPHS else b'"frame":')
    try:
        d = _loads(raw)
    except MemoryError:
        raise ValueError("no heap to parse a %d-byte state" % len(raw))
    except Exception:   # MicroPython raises ValueError, CPython also UnicodeDecodeError
        raise ValueError("message is not JSON")
    if type(d) is not dict:
        raise ValueError("message is not a JSON object")
    if big is not None:
        d[key] = big
    if d.get("v") != V or type(d.get("v")) is not int:
        raise ValueError("unsupported version %r" % (d.get("v"),))
    seen = []
    _check(d, _COMMON, seen)   # an unknown role fails here
    if d["role"] != rules.ROLE:
        raise ValueError("desired state for a %s, this is a %s" % (d["role"], rules.ROLE))
    _check(d, rules.SPEC + _GLYPHS if rules.GLYPHS else rules.SPEC, seen)
    for k in d:
        if k not in seen:
            raise ValueError("unknown field '%s'" % (k,))
    if rules.GLYPHS:
        gl, gb = d.get("gl", ""), d.get("gb", "")
        if len(gb) != (len(gl) * 32 + 2) // 3 * 4 or b64_bytes(gb) != len(gl) * 32:
            raise ValueError("gb does not match gl")
        for c in gl:   # count, not a set: no table of 96 strings on the heap
            if ord(c) < 128 or gl.count(c) > 1:
                raise ValueError("gl holds ASCII or a character twice")
    rules.check(d)
    return d
