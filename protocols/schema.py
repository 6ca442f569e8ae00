# A small strict validator shared by every message kind.
# A field spec is a tuple: (name, kind, required, lo, hi, choices)
#   INT:  lo <= value <= hi          STR / STRS items: lo <= len <= hi
#   STRS: list of STR, at most `choices` items (choices doubles as the cap)
#   BOOL: True / False only
# Unknown fields are refused: a version bump, not silence, adds a field.
import json

from protocols import VERSION

INT = 0
STR = 1
BOOL = 2
STRS = 3
INTS = 4


def _type_ok(kind, value):
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == STR:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    return isinstance(value, list)


def check_fields(obj, spec):
    names = {}
    for f in spec:
        name, kind, required, lo, hi, choices = f
        names[name] = 1
        if name not in obj:
            if required:
                raise ValueError("missing field '%s'" % name)
            continue
        v = obj[name]
        if not _type_ok(kind, v):
            raise ValueError("field '%s' has the wrong type" % name)
        if kind == INT:
            if v < lo or v > hi:
                raise ValueError("field '%s' out of range %d..%d" % (name, lo, hi))
            if choices and v not in choices:
                raise ValueError("field '%s' has unknown value %r" % (name, v))
        elif kind == STR:
            if len(v) < lo or len(v) > hi:
                raise ValueError("field '%s' length out of range %d..%d" % (name, lo, hi))
            if choices and v not in choices:
                raise ValueError("field '%s' has unknown value %r" % (name, v))
        elif kind == STRS or kind == INTS:
            cap = choices or 16
            if len(v) > cap:
                raise ValueError("field '%s' has more than %d items" % (name, cap))
            for item in v:
                if kind == STRS:
                    if not isinstance(item, str) or len(item) < lo or len(item) > hi:
                        raise ValueError("field '%s' has a bad item" % name)
                elif not isinstance(item, int) or isinstance(item, bool) or item < lo or item > hi:
                    raise ValueError("field '%s' has a bad item" % name)
    for k in obj:
        if k not in names:
            raise ValueError("unknown field '%s'" % (k,))
    return obj


def load(raw, limit):
    """Parse JSON from bytes or str, refusing oversized input and wrong versions."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        if len(raw) > limit:
            raise ValueError("message of %d bytes exceeds %d" % (len(raw), limit))
        try:
            raw = bytes(raw).decode()
        except Exception:
            raise ValueError("message is not UTF-8")
    elif len(raw) > limit:
        raise ValueError("message of %d chars exceeds %d" % (len(raw), limit))
    try:
        obj = json.loads(raw)
    except Exception:
        raise ValueError("message is not JSON")
    if not isinstance(obj, dict):
        raise ValueError("message is not a JSON object")
    v = obj.get("v")
    if v != VERSION or isinstance(v, bool):
        raise ValueError("unsupported version %r (expected %d)" % (v, VERSION))
    return obj


def dump(obj):
    return json.dumps(obj)
