# Desired state: what the gateway wants each device to show. Published
# retained, so a device that boots or reconnects is right at once. `rev`
# grows with every change; a device reports the rev it has applied.
import binascii
import json

from protocols import VERSION
from protocols.schema import INT, STR, BOOL, STRS, check_fields, load, dump

MAX_BYTES = 8192
REV_MAX = 2147483647
# Glyphs: a call pad's and an evaluator's screen draws ASCII with its own 8x8
# font, its own Chinese words from a glyph file flashed with the firmware, and
# the hall's words (names, reasons, messages) from 16x16 bitmaps its desired
# state carries.
GLYPHS_MAX = 48           # characters: the state stays small on the device heap
GLYPH_BYTES = 32          # 16 rows of 2 bytes
GB_MAX = (GLYPHS_MAX * GLYPH_BYTES + 2) // 3 * 4
PAUSE_REASONS_MAX = 9     # the call pad picks a pause reason with digit keys 1-9
# The receive buffer each role allocates once at boot (firmware/wire_<role>.py
# RX_BYTES): a desired state up to this size always finds room on the device;
# a larger one needs a free block of its own, which a long-running device's
# heap may not have. A call pad's and a display's largest states fit by
# these limits; an evaluator's depends on the hall's 差评 reasons, which the
# hall file check holds to it.
RX_BYTES = {"callpad": 3200, "evaluator": 2560, "display": 6400}
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

# The glyphs of a call pad's or evaluator's state: `gl` the distinct non-ASCII
# characters of its strings, `gb` base64 of their 16x16 1-bit bitmaps, 32
# bytes each in gl's order, rows top to bottom, MSB first (GNU Unifont 16 px,
# as the LED frames). A character without a glyph is drawn as '?'.
_GLYPHS = (
    ("gl", STR, False, 0, GLYPHS_MAX, None),
    ("gb", STR, False, 0, GB_MAX, None),
)

# Call pad screen (SSD1306 128x64). `reasons`: the pause reasons, picked by
# digit keys, so at most 9; `pause_reason`: the one the window is paused for.
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
    ("pause_reason", STR, False, 0, 16, None),
    ("msg", STR, False, 0, 48, None),
    ("reasons", STRS, False, 1, 16, PAUSE_REASONS_MAX),
) + _GLYPHS

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
) + _GLYPHS

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
        if _b64_bytes(d["frame"]) != d["fw"] * d["ph"] // 8:
            raise ValueError("frame is not base64 of %d bytes" % (d["fw"] * d["ph"] // 8))
    if d["role"] != "display":
        check_glyphs(d.get("gl", ""), d.get("gb", ""))
    if d["role"] == "evaluator":
        if len(d.get("reasons", [])) != len(d.get("rtexts", [])):
            raise ValueError("reasons and rtexts differ in length")
        if d["mode"] == "prompt" and not d.get("prompt"):
            raise ValueError("a prompt needs its prompt id")
    return d


def _b64_bytes(b):
    # decoded in chunks, as the device does (firmware/wire.py), and the same
    # answer: the byte count, or -1 for what is not base64
    n = 0
    try:
        for i in range(0, len(b), 64):
            n += len(binascii.a2b_base64(b[i:i + 64]))
    except ValueError:
        return -1
    return n


def check_glyphs(gl, gb):
    if len(gb) != (len(gl) * GLYPH_BYTES + 2) // 3 * 4:
        raise ValueError("gb must hold %d bytes of bitmap for each of the %d characters of gl"
                         % (GLYPH_BYTES, len(gl)))
    for c in gl:
        if ord(c) < 128:
            raise ValueError("gl holds ASCII (the device's own font draws it)")
    if len(set(gl)) != len(gl):
        raise ValueError("gl names a character twice")
    if _b64_bytes(gb) != len(gl) * GLYPH_BYTES:
        raise ValueError("gb is not the base64 of %d glyphs" % len(gl))


def decode(raw):
    return validate(load(raw, MAX_BYTES))


def _text(d):
    # Chinese as UTF-8, not \u escapes: half the bytes on the device's link
    # and in its receive buffer (MicroPython's json has no such keyword, and
    # writes UTF-8 anyway).
    try:
        return json.dumps(d, ensure_ascii=False)
    except TypeError:
        return dump(d)


def encode(d):
    d.setdefault("v", VERSION)
    validate(d)
    for big in ("frame", "gb"):   # last: the device parses the rest around it in place (firmware/wire.py)
        if big in d:
            d = dict(d)
            d[big] = d.pop(big)
    raw = _text(d)
    if len(raw.encode()) > MAX_BYTES:
        raise ValueError("desired state too large")
    return raw
