# Emulated `time`: the unix port's, except that the wall clock starts unset
# as an ESP32's RTC does at power-up (2000-01-01, counting up from there)
# until ntptime.settime() sets it. ticks_* and sleeps are the port's own.
import utime
from utime import *  # noqa: F401,F403

_EPOCH_2000 = 946684800
_up = utime.time()
rtc_set = False


def time():
    t = utime.time()
    return t if rtc_set else _EPOCH_2000 + t - _up


def gmtime(t=None):
    return utime.gmtime(time() if t is None else t)


def localtime(t=None):
    return utime.localtime(time() if t is None else t)
