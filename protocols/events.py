# Device events: call pad actions and evaluator ratings. QoS 1, so they may
# arrive twice; (dev, boot, seq) is each event's identity and the gateway
# applies an event once however often it arrives.
from protocols import VERSION
from protocols.schema import INT, STR, STRS, check_fields, load, dump
from protocols.topics import valid_id

MAX_BYTES = 1024
SEQ_MAX = 2147483647
TS_MAX = 4294967295

# The call pad's keys, one action each.
ACTIONS = ("login", "logout", "call_next", "call_ticket", "recall", "start",
           "finish", "no_show", "transfer", "pause", "resume", "request_evaluation",
           "cancel_evaluation", "attach_case")
# 办件编号: the case number attach_case gives the ticket the window holds (or
# its last finished one, until rated): 1..40 of A-Z a-z 0-9 and '-'.
PROJECT_MAX = 40
# 即办件 / 承诺件 / 联办件 / 上报件 / 退办件
CASE_TYPES = ("immediate", "promised", "joint", "reported", "refused")
# 非常满意=5, 满意=4, 基本满意=3, 不满意=2, 非常不满意=1; 2 and 1 are 差评.
LEVEL_MIN = 1
LEVEL_MAX = 5
BAD_LEVEL_MAX = 2

ENVELOPE = (
    ("v", INT, True, 1, 1, None),
    ("dev", STR, True, 1, 32, None),
    ("boot", STR, True, 1, 16, None),
    ("seq", INT, True, 1, SEQ_MAX, None),
    ("ts", INT, True, 0, TS_MAX, None),
    ("type", STR, True, 1, 16, ("action", "rating")),
)

ACTION = ENVELOPE + (
    ("action", STR, True, 1, 24, ACTIONS),
    ("staff", STR, False, 1, 12, None),
    ("case", STR, False, 1, 12, CASE_TYPES),
    ("reason", STR, False, 1, 32, None),
    ("until", STR, False, 5, 5, None),
    ("ticket", STR, False, 2, 8, None),
    ("to_service", STR, False, 1, 16, None),
    ("to_window", INT, False, 1, 999, None),
    ("to_staff", STR, False, 1, 32, None),
    ("project", STR, False, 1, PROJECT_MAX, None),
)

RATING = ENVELOPE + (
    ("prompt", STR, True, 1, 24, None),
    ("level", INT, True, LEVEL_MIN, LEVEL_MAX, None),
    ("reasons", STRS, False, 1, 16, 8),
    ("rv", STR, False, 1, 16, None),
    ("rated_at", INT, True, 0, TS_MAX, None),
)


def _hhmm(s):
    if len(s) != 5 or s[2] != ":" or not (s[:2] + s[3:]).isdigit():
        return False
    return int(s[:2]) < 24 and int(s[3:]) < 60


def case_number_ok(s):
    """1..PROJECT_MAX of A-Z a-z 0-9 and '-' (ASCII only: no re on the device)."""
    if not 0 < len(s) <= PROJECT_MAX:
        return False
    for c in s:
        if not ("0" <= c <= "9" or "a" <= c <= "z" or "A" <= c <= "Z" or c == "-"):
            return False
    return True


def _check_action(e):
    a = e["action"]
    if a == "login" and "staff" not in e:
        raise ValueError("login needs 'staff'")
    if "staff" in e and not e["staff"].isdigit():
        raise ValueError("field 'staff' must be digits")
    if a == "call_ticket" and "ticket" not in e:
        raise ValueError("call_ticket needs 'ticket'")
    if a == "pause" and "reason" not in e:
        raise ValueError("pause needs 'reason'")
    if "until" in e and not _hhmm(e["until"]):
        raise ValueError("field 'until' must be HH:MM")
    if a == "attach_case" and "project" not in e:
        raise ValueError("attach_case needs 'project'")
    if "project" in e:
        if a != "attach_case":
            raise ValueError("field 'project' belongs to attach_case only")
        if not case_number_ok(e["project"]):
            raise ValueError("field 'project' must be 1-%d of A-Z a-z 0-9 -" % PROJECT_MAX)
    if a == "transfer":
        n = ("to_service" in e) + ("to_window" in e) + ("to_staff" in e)
        if n != 1:
            raise ValueError("transfer needs exactly one of to_service, to_window, to_staff")


def _check_rating(e):
    reasons = e.get("reasons", [])
    if reasons and e["level"] > BAD_LEVEL_MAX:
        raise ValueError("reasons are only given with 不满意 or 非常不满意")


def validate(e):
    if not isinstance(e, dict):
        raise ValueError("event is not an object")
    t = e.get("type")
    if t == "action":
        check_fields(e, ACTION)
        _check_action(e)
    elif t == "rating":
        check_fields(e, RATING)
        _check_rating(e)
    else:
        check_fields(e, ENVELOPE)  # raises with the precise reason
    if not valid_id(e["dev"]):
        raise ValueError("bad device id %r" % (e["dev"],))
    return e


def decode(raw):
    return validate(load(raw, MAX_BYTES))


def action(dev, boot, seq, ts, name, **fields):
    e = {"v": VERSION, "dev": dev, "boot": boot, "seq": seq, "ts": ts,
         "type": "action", "action": name}
    e.update(fields)
    return validate(e)


def rating(dev, boot, seq, ts, prompt, level, rated_at, reasons=None, rv=None):
    e = {"v": VERSION, "dev": dev, "boot": boot, "seq": seq, "ts": ts,
         "type": "rating", "prompt": prompt, "level": level, "rated_at": rated_at}
    if reasons:
        e["reasons"] = reasons
    if rv:
        e["rv"] = rv
    return validate(e)


def encode(e):
    raw = dump(validate(e))
    if len(raw.encode()) > MAX_BYTES:
        raise ValueError("event too large")
    return raw


def identity(e):
    return (e["dev"], e["boot"], e["seq"])
