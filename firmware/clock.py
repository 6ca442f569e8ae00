# Wall time as Unix epoch seconds whatever the port's epoch (bare-metal
# ports may count from 2000), and the hall's local time of day.
import time

_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0
_VALID = 1577836800  # 2020-01-01: anything earlier means the clock is unset


def now():
    return int(time.time()) + _OFFSET


def is_set():
    return now() >= _VALID


def sync(host):
    # The gateway serves NTP in the hall; the unix port already has the time.
    if is_set():
        return True
    try:
        import ntptime
        ntptime.host = host
        ntptime.settime()
    except Exception as e:
        print("clock: NTP from %s failed: %s" % (host, e))
    return is_set()


def minute_of_day(tz_minutes):
    t = time.gmtime(now() - _OFFSET + tz_minutes * 60)
    return t[3] * 60 + t[4]
