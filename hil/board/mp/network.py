# Emulated `network`: a Wi-Fi station whose link the host can cut
# (Board.wifi(False)); the radio proxy on the host drops the traffic too.
import _board

STA_IF = 0
AP_IF = 1
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010


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
        return STAT_GOT_IP if self.isconnected() else STAT_CONNECTING if self._want else STAT_IDLE

    def ifconfig(self, *a):
        return ("10.0.0.23", "255.255.255.0", "10.0.0.1", "10.0.0.1")

    def config(self, *a, **kw):
        if a and a[0] == "mac":
            return b"\x24\x0a\xc4\x00\x00\x01"
        return None
