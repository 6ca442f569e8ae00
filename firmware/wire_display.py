# The LED display's own part of the wire contract (see wire.py): the fields
# of its desired state, the frame's checks and its receive buffer. It sends
# no events.
from wire import b64_bytes

ROLE = "display"
# protocols.desired RX_BYTES: the widest frame the contract allows fits
RX_BYTES = 6400
GLYPHS = False
SPEC = ("window i 1 1 999;status s 1 1 8 idle|calling|serving|paused|closed;text s 1 0 64;ticket s 0 0 8;"
        "pw i 1 8 512;ph i 1 8 64;fw i 1 8 2048;frame s 1 4 6000;scroll b 1 0 0;bright i 1 0 15")


def check(d):
    if d["fw"] % 8 or d["pw"] % 8 or d["ph"] % 8:
        raise ValueError("display sizes must be multiples of 8")
    if d["fw"] < d["pw"]:
        raise ValueError("frame narrower than the panel")
    if d["scroll"] != (d["fw"] > d["pw"]):
        raise ValueError("scroll must be set exactly when the frame is wider than the panel")
    if len(d["frame"]) != (d["fw"] * d["ph"] // 8 + 2) // 3 * 4 or \
            b64_bytes(d["frame"]) != d["fw"] * d["ph"] // 8:
        raise ValueError("frame has the wrong length")
