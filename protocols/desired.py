# Desired state: what the gateway wants each device to show. Published
# retained, so a device that boots or reconnects is right at once. `rev`
# grows with every change; a device reports the rev it has applied.
from protocols import VERSION
from protocols.schema import INT, STR, BOOL, STRS, check_fields, load, dump

MAX_BYTES = 8192
REV_MAX = 2147483647
ROLES = ("callpad", "evaluator", "display")
WINDOW_STATUS = ("idle", "calling", "serving", "paused", "closed")
TICKET_STATE = ("", "called", "serving")
EVALUATOR_MODES = ("idle", "prompt", "thanks")

_COMMON = (
    ("v", INT, True, 1, 1, None),
    ("rev", INT, True, 0, REV_MAX, None),
    ("role", STR, True, 1, 12, ROLES),
)

# LED window display. `frame` is base64 of a 1-bit image `fw` x `ph`, rows
# top to bottom, MSB first, fw a multiple of 8. When fw > pw the device
# scrolls it across its pw-wide panel itself (no per-step traffic).
DISPLAY = _COMMON + (
    ("window", INT, True, 1, 999, None),
    ("status", STR, True, 1, 8, WINDOW_STATUS),
    ("text", STR, True, 0, 64, None),
    ("ticket", STR, False, 0, 8, None),
    ("pw", INT, True, 8, 512, None),
    ("ph", INT, True, 8, 64, None),
    ("fw", INT, True, 8, 2048, None),
    ("frame", STR, True, 4, 6000, None),
    ("scroll", BOOL, True, 0, 0, None),
    ("bright", INT, True, 0, 15, None),
)

# Call pad screen (SSD1306 128x64).
CALLPAD = _COMMON + (
    ("window", INT, True, 1, 999, None),
    ("logged_in", BOOL, True, 0, 0, None),
    ("staff", STR, False, 0, 16, None),
    ("post", STR, False, 0, 1, ("", "A", "B")),
    ("ticket", STR, False, 0, 8, None),
    ("tstate", STR, False, 0, 8, TICKET_STATE),
    ("recalls", INT, False, 0, 99, None),
    ("waiting", INT, True, 0, 9999, None),
    ("paused", BOOL, True, 0, 0, None),
    ("msg", STR, False, 0, 48, None),
    ("reasons", STRS, False, 1, 16, 12),
)

# Evaluator. `acked` lists the prompts whose rating the gateway has stored,
# so the device can drop them from its flash queue.
EVALUATOR = _COMMON + (
    ("window", INT, True, 1, 999, None),
    ("mode", STR, True, 1, 8, EVALUATOR_MODES),
    ("prompt", STR, False, 0, 24, None),
    ("staff", STR, False, 0, 16, None),
    ("timeout", INT, False, 0, 600, None),
    ("reasons", STRS, False, 1, 16, 12),
    ("rtexts", STRS, False, 1, 24, 12),
    ("rv", STR, False, 0, 16, None),
    ("acked", STRS, False, 1, 24, 16),
)

SPECS = {"display": DISPLAY, "callpad": CALLPAD, "evaluator": EVALUATOR}


def validate(d):
    if not isinstance(d, dict):
        raise ValueError("desired state is not an object")
    role = d.get("role")
    spec = SPECS.get(role) if isinstance(role, str) else None
    if spec is None:
        check_fields(d, _COMMON)  # raises with the precise reason
    check_fields(d, spec)
    if d["role"] == "display":
        if d["fw"] % 8 or d["pw"] % 8 or d["ph"] % 8:
            raise ValueError("display sizes must be multiples of 8")
        if d["fw"] < d["pw"]:
            raise ValueError("frame narrower than the panel")
        if d["scroll"] != (d["fw"] > d["pw"]):
            raise ValueError("scroll must be set exactly when the frame is wider than the panel")
        need = (d["fw"] * d["ph"] // 8 + 2) // 3 * 4
        if len(d["frame"]) != need:
            raise ValueError("frame is %d base64 chars, expected %d" % (len(d["frame"]), need))
    if d["role"] == "evaluator":
        if len(d.get("reasons", [])) != len(d.get("rtexts", [])):
            raise ValueError("reasons and rtexts differ in length")
        if d["mode"] == "prompt" and not d.get("prompt"):
            raise ValueError("a prompt needs its prompt id")
    return d


def decode(raw):
    return validate(load(raw, MAX_BYTES))


def encode(d):
    d.setdefault("v", VERSION)
    raw = dump(validate(d))
    if len(raw.encode()) > MAX_BYTES:
        raise ValueError("desired state too large")
    return raw
