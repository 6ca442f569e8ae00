# The call pad's own part of the wire contract (see wire.py): the fields of
# its desired state, its receive buffer, and the actions its keys send.
import wire

ROLE = "callpad"
CASE_TYPES = ("immediate", "promised", "joint", "reported", "refused")
# protocols.desired RX_BYTES: allocated once at boot; a larger message gets a
# block of its own if the heap has one
RX_BYTES = 3200
GLYPHS = True
SPEC = ("window i 1 1 999;logged_in b 1 0 0;staff s 0 0 16;post s 0 0 1 |A|B;ticket s 0 0 8;"
        "tstate s 0 0 8 |called|serving;recalls i 0 0 99;waiting i 1 0 9999;paused b 1 0 0;"
        "pause_reason s 0 0 16;msg s 0 0 48;reasons l 0 1 16 9")


def check(d):
    pass   # the fields' own limits are all there is


def action(dev, boot, seq, ts, name, **fields):
    e = {"v": wire.V, "dev": dev, "boot": boot, "seq": seq, "ts": ts, "type": "action", "action": name}
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
