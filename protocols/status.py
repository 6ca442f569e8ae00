# Availability (retained, also the last will) and reported device state
# (retained): what the gateway's device registry is built from.
from protocols import VERSION
from protocols.schema import INT, STR, BOOL, check_fields, load, dump

MAX_BYTES = 512
ROLES = ("callpad", "evaluator", "display", "gateway")
# The station's Wi-Fi power save, as MicroPython names WLAN.PM_*: "none" (awake, what a
# mains-powered device runs), "performance" (modem sleep: wakes for every DTIM beacon, so a
# message to it waits up to one DTIM period), "powersave" (wakes less often still).
# A device that does not report it (older firmware) is accepted and shown as unknown.
POWER_SAVE = ("none", "performance", "powersave")

AVAILABILITY = (
    ("v", INT, True, 1, 1, None),
    ("online", BOOL, True, 0, 0, None),
    ("boot", STR, False, 1, 16, None),
)

STATE = (
    ("v", INT, True, 1, 1, None),
    ("dev", STR, True, 1, 32, None),
    ("boot", STR, True, 1, 16, None),
    ("role", STR, True, 1, 12, ROLES),
    ("fw", STR, True, 1, 16, None),
    ("uptime", INT, True, 0, 4294967295, None),
    ("rev", INT, True, 0, 2147483647, None),
    ("heap", INT, False, 0, 16777216, None),
    ("rssi", INT, False, -127, 0, None),
    ("queued", INT, False, 0, 65535, None),
    ("resets", INT, False, 0, 65535, None),
    ("pm", STR, False, 1, 12, POWER_SAVE),
)


def availability(online, boot=None):
    d = {"v": VERSION, "online": bool(online)}
    if boot:
        d["boot"] = boot
    return dump(check_fields(d, AVAILABILITY))


def decode_availability(raw):
    return check_fields(load(raw, MAX_BYTES), AVAILABILITY)


def encode_state(d):
    d.setdefault("v", VERSION)
    return dump(check_fields(d, STATE))


def decode_state(raw):
    return check_fields(load(raw, MAX_BYTES), STATE)
