# Emulated `network`: a Wi-Fi station whose link the host can cut
# (Board.wifi(False)); the radio proxy on the host drops the traffic too.
import _board

STA_IF = 0
AP_IF = 1


class WLAN:
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
