# The evaluator's own part of the wire contract (see wire.py): the fields of
# its desired state, its receive buffer, and the rating it sends.
import wire

ROLE = "evaluator"
BAD_LEVEL_MAX = 2
# protocols.desired RX_BYTES; its largest state depends on the hall's 差评
# reasons, which the hall file check holds to this
RX_BYTES = 2560
GLYPHS = True
SPEC = ("window i 1 1 999;mode s 1 1 8 idle|prompt|thanks;prompt s 0 0 24;staff s 0 0 16;timeout i 0 0 600;"
        "reasons l 0 1 16 12;rtexts l 0 1 24 12;rv s 0 0 16;acked l 0 1 24 16")


def check(d):
    if len(d.get("reasons", ())) != len(d.get("rtexts", ())):
        raise ValueError("reasons and rtexts differ in length")
    if d["mode"] == "prompt" and not d.get("prompt"):
        raise ValueError("a prompt needs its prompt id")


def rating(dev, boot, seq, ts, prompt, level, rated_at, reasons=None, rv=None):
    e = {"v": wire.V, "dev": dev, "boot": boot, "seq": seq, "ts": ts,
         "type": "rating", "prompt": prompt, "level": level, "rated_at": rated_at}
    if reasons:
        if level > BAD_LEVEL_MAX:
            raise ValueError("reasons are only given with 不满意 or 非常不满意")
        e["reasons"] = reasons
    if rv:
        e["rv"] = rv
    return e
