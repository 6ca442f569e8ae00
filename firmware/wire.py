# The firmware's side of the wire contract (protocols/), lean enough for a
# 96K heap: loading protocols/ as it is costs ~22K, this ~4K. It builds the
# same dicts in the same order as protocols/ does, so messages are byte for
# byte what protocols/ would send, and accepts exactly the desired state
# protocols.desired.decode accepts (tests/firmware/test_wire.py holds both
# to that under CPython). Field specs are strings, not tuples: a constant
# tuple costs heap for every item, a string only its bytes.
import binascii
import json
import os

CASE_TYPES = ("immediate", "promised", "joint", "reported", "refused")
BAD_LEVEL_MAX = 2
_V = 1
DESIRED_MAX = 8192


def rx_size(role):
    """The receive buffer of a role, allocated once at boot: protocols.desired
    RX_BYTES. A larger message gets a block of its own if the heap has one."""
    return 3136 if role == "callpad" else 2560 if role == "evaluator" else 6400

# name kind required lo hi [choices|cap]; kinds: i int, s str, b bool, l list of str
_COMMON = "v i 1 1 1;rev i 1 0 2147483647;role s 1 1 12 callpad|evaluator|display"
# gl: up to 48 non-ASCII characters, gb: their 16x16 bitmaps, 32 bytes each, base64
_GLYPHS = ";gl s 0 0 48;gb s 0 0 2048"
_TYPES = (int, str, bool, list)
_SPECS = {
    "display": ";window i 1 1 999;status s 1 1 8 idle|calling|serving|paused|closed;text s 1 0 64;ticket s 0 0 8;"
               "pw i 1 8 512;ph i 1 8 64;fw i 1 8 2048;frame s 1 4 6000;scroll b 1 0 0;bright i 1 0 15",
    "callpad": ";window i 1 1 999;logged_in b 1 0 0;staff s 0 0 16;post s 0 0 1 |A|B;ticket s 0 0 8;"
               "tstate s 0 0 8 |called|serving;recalls i 0 0 99;waiting i 1 0 9999;paused b 1 0 0;"
               "msg s 0 0 48;reasons l 0 1 16 9" + _GLYPHS,
    "evaluator": ";window i 1 1 999;mode s 1 1 8 idle|prompt|thanks;prompt s 0 0 24;staff s 0 0 16;timeout i 0 0 600;"
                 "reasons l 0 1 16 12;rtexts l 0 1 24 12;rv s 0 0 16;acked l 0 1 24 16" + _GLYPHS,
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
    p = e.get("project")   # 办件编号: the pad types digits; the contract allows A-Z a-z 0-9 -
    if p is not None:
        for c in p if 0 < len(p) <= 40 else "?":
            if not ("0" <= c <= "9" or "a" <= c <= "z" or "A" <= c <= "Z" or c == "-"):
                raise ValueError("field 'project' must be 1-40 of A-Z a-z 0-9 -")
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


def desired(raw, role, n=-1):
    """Desired state for this role from the payload raw[:n] (bytes or
    bytearray; n < 0: all of it); ValueError for anything protocols.desired
    would refuse, or for another role's state. A display's "frame" and a
    screen's "gb" come back as memoryviews into raw: use them before raw is
    reused."""
    if n < 0:
        n = len(raw)
    if n > DESIRED_MAX:
        raise ValueError("message of %d bytes exceeds %d" % (n, DESIRED_MAX))
    key = "frame" if role == "display" else "gb"
    raw, big = _lift(raw, n, b'"frame":' if role == "display" else b'"gb":')
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
        if len(d["frame"]) != (d["fw"] * d["ph"] // 8 + 2) // 3 * 4 or \
                b64_bytes(d["frame"]) != d["fw"] * d["ph"] // 8:
            raise ValueError("frame has the wrong length")
    elif r == "callpad" or r == "evaluator":
        gl, gb = d.get("gl", ""), d.get("gb", "")
        if len(gb) != (len(gl) * 32 + 2) // 3 * 4 or b64_bytes(gb) != len(gl) * 32:
            raise ValueError("gb does not match gl")
        for c in gl:   # count, not a set: no table of 96 strings on the heap
            if ord(c) < 128 or gl.count(c) > 1:
                raise ValueError("gl holds ASCII or a character twice")
    if r == "evaluator":
        if len(d.get("reasons", ())) != len(d.get("rtexts", ())):
            raise ValueError("reasons and rtexts differ in length")
        if d["mode"] == "prompt" and not d.get("prompt"):
            raise ValueError("a prompt needs its prompt id")
    if r != role:
        raise ValueError("desired state for a %s, this is a %s" % (r, role))
    return d
