# Emulated `network`: a Wi-Fi station whose link the host can cut
# (Board.wifi(False)); the radio proxy on the host drops the traffic too.
# Its power save is the host's to model (hil/board/powersave.py): what
# config(pm=...) sets is told to the host, whose radio then holds the
# traffic to the board until the beacon a sleeping station wakes for.
import _board

STA_IF = 0
AP_IF = 1

_pm = 1   # ESP-IDF's default at power-up: modem sleep (PM_PERFORMANCE)


class WLAN:
    PM_NONE = 0
    PM_PERFORMANCE = 1
    PM_POWERSAVE = 2

    def __init__(self, interface=STA_IF):
        self._active = False
        self._want = False

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)
        return self._active

    def connect(self, ssid=None, key=None, **kw):
        if not self._active:
            raise OSError("WLAN not active")
        self._want = True

    def disconnect(self):
        self._want = False

    def isconnected(self):
        return self._active and self._want and _board.wifi_up

    def status(self, param=None):
        if param == "rssi":
            return -58 if self.isconnected() else -127
        return 1010 if self.isconnected() else 1001   # STAT_GOT_IP / STAT_CONNECTING

    def config(self, *a, **kw):
        # as the ESP32 port's for "pm" only (all the firmware asks): config("pm") reads it,
        # config(pm=...) sets it. Kept small: the real module costs the heap nothing.
        global _pm
        if a:
            return _pm
        _pm = kw["pm"]
        _board.tell({"pm": _pm})
