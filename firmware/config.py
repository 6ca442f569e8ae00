# config.json, written by the maintenance tool, checked at boot. A bad file
# stops the device with one clear line on the serial console.
import json



def valid_id(s):
    # as protocols.topics.valid_id (not imported: its module costs the heap 3K)
    if not 0 < len(s) <= 32:
        return False
    for c in s:
        if not ("a" <= c <= "z" or "0" <= c <= "9" or c == "-" or c == "_"):
            return False
    return True

ROLES = ("callpad", "evaluator", "display")
FILE = "config.json"

# (name, type, required, lo, hi); lo/hi bound ints, or lengths for strings
_FIELDS = (
    ("device", str, True, 1, 32),
    ("role", str, True, 1, 12),
    ("hall", str, True, 1, 32),
    ("window", int, True, 1, 999),
    ("wifi_ssid", str, True, 1, 32),
    ("wifi_password", str, False, 0, 64),
    ("broker_host", str, True, 1, 64),
    ("broker_port", int, True, 1, 65535),
    ("mqtt_user", str, False, 0, 64),
    ("mqtt_password", str, False, 0, 64),
    ("keepalive", int, False, 5, 600),
    ("wdt_ms", int, False, 2000, 120000),
    ("tz_minutes", int, False, -720, 840),
    ("ntp_host", str, False, 1, 64),
    ("panel", str, False, 3, 9),
    ("dim", list, False, 3, 3),
    ("tls_ca", str, False, 1, 32),     # the hall CA (DER) on flash: TLS to the broker
    ("tls_name", str, False, 1, 64),   # the name the broker's certificate must carry
    ("wifi_power_save", bool, False, 0, 1),   # battery devices only: the radio sleeps between beacons
)
_DEFAULTS = {"keepalive": 30, "wdt_ms": 30000, "tz_minutes": 480,
             "wifi_password": "", "panel": "64x16"}


def _hhmm(s):
    if not isinstance(s, str) or len(s) != 5 or s[2] != ":":
        raise ValueError("'dim' times must be HH:MM")
    h, m = int(s[:2]), int(s[3:])
    if h > 23 or m > 59:
        raise ValueError("'dim' time %s out of range" % s)
    return h * 60 + m


def check(c):
    if not isinstance(c, dict):
        raise ValueError("not a JSON object")
    names = [f[0] for f in _FIELDS]
    for k in c:
        if k not in names:
            raise ValueError("unknown field '%s'" % k)
    for name, kind, required, lo, hi in _FIELDS:
        if name not in c:
            if required:
                raise ValueError("missing field '%s'" % name)
            continue
        v = c[name]
        if type(v) is not kind:
            raise ValueError("field '%s' must be %s" % (name, kind.__name__))
        n = len(v) if kind is str or kind is list else v  # type: ignore[arg-type]
        if n < lo or n > hi:
            raise ValueError("field '%s' out of range %d..%d" % (name, lo, hi))
    if c["role"] not in ROLES:
        raise ValueError("role must be one of %s" % ", ".join(ROLES))
    if not valid_id(c["device"]) or not valid_id(c["hall"]):
        raise ValueError("device and hall ids: lower-case letters, digits, - and _")
    for k in _DEFAULTS:
        c.setdefault(k, _DEFAULTS[k])
    w, _, h = c["panel"].partition("x")
    if not (w.isdigit() and h.isdigit()) or int(w) % 8 or int(h) % 8 or not int(w) or not int(h):
        raise ValueError("panel must be WxH in multiples of 8, e.g. 64x16")
    c["pw"], c["ph"] = int(w), int(h)
    if "tls_name" in c and "tls_ca" not in c:
        raise ValueError("tls_name without tls_ca: no CA to check the broker against")
    if "dim" in c:
        d = c["dim"]
        if type(d[2]) is not int or not 0 <= d[2] <= 15:
            raise ValueError("'dim' is [from, to, brightness 0..15]")
        c["dim"] = (_hhmm(d[0]), _hhmm(d[1]), d[2])
    return c


def load(path=FILE):
    try:
        with open(path) as f:
            raw = f.read()
    except OSError:
        raise ValueError("%s is missing: write it with the maintenance tool" % path)
    try:
        c = json.loads(raw)
    except ValueError:
        raise ValueError("%s is not valid JSON" % path)
    return check(c)
