# Wall time as Unix epoch seconds whatever the port's epoch (bare-metal
# ports may count from 2000), and the hall's local time of day. An ESP32's
# RTC starts at 2000-01-01 on power-up: the device sets it by NTP from the
# gateway once it is online (Device), again every few hours against drift,
# and every minute while it is still unset.
import time
from micropython import const

_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0
_VALID = 1577836800  # 2020-01-01: anything earlier means the clock is unset
_RESYNC_MS = const(21600000)   # 6 h
_RETRY_MS = const(60000)       # while unset
_tried = None                  # ticks_ms of the last attempt


def now():
    return int(time.time()) + _OFFSET


def is_set():
    return now() >= _VALID


def due():
    if _tried is None:
        return True
    return time.ticks_diff(time.ticks_ms(), _tried) >= (_RESYNC_MS if is_set() else _RETRY_MS)


def sync(host):
    # Blocks up to ntptime.timeout (1 s) when the server does not answer.
    global _tried
    _tried = time.ticks_ms()
    try:
        import ntptime
        ntptime.host = host
        ntptime.settime()
    except Exception as e:
        print("clock: NTP from %s failed: %r" % (host, e))
    return is_set()


def minute_of_day(tz_minutes):
    t = time.gmtime(now() - _OFFSET + tz_minutes * 60)
    return t[3] * 60 + t[4]
