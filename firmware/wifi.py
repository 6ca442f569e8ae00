# Wi-Fi station with retry: connects, and reconnects whenever the link is lost.
import asyncio
import network
from micropython import const

_TRY_MS = const(10000)
_RETRY_MS = const(2000)


class Wifi:
    def __init__(self, ssid, password):
        self.ssid, self.password = ssid, password
        self.wlan = network.WLAN(network.STA_IF)
        self.wlan.active(True)

    def ok(self):
        return self.wlan.isconnected()

    def rssi(self):
        try:
            return max(-127, min(0, self.wlan.status("rssi")))
        except Exception:
            return None

    async def wait(self):
        # Returns once associated; keeps trying (the access point may reboot).
        while not self.wlan.isconnected():
            print("wifi: connecting to %s" % self.ssid)
            try:
                self.wlan.connect(self.ssid, self.password)
            except OSError as e:
                print("wifi: %r" % (e,))
            waited = 0
            while waited < _TRY_MS and not self.wlan.isconnected():
                await asyncio.sleep_ms(100)
                waited += 100
            if not self.wlan.isconnected():
                try:
                    self.wlan.disconnect()
                except OSError:
                    pass
                await asyncio.sleep_ms(_RETRY_MS)
        print("wifi: connected")
