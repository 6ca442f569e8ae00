# Wi-Fi station with retry: connects, and reconnects whenever the link is lost.
# Awake: a mains-powered device turns power save off (WLAN.PM_NONE). Left in
# ESP-IDF's default modem sleep, the radio sleeps between the access point's
# DTIM beacons and every message TO the device (a desired state, an ack)
# waits for the next one: up to ~100 ms at DTIM 1, ~300 ms at DTIM 3
# (docs/HARDWARE.md). Only a battery device may sleep (wifi_power_save).
import asyncio
import time
import network
from micropython import const

_TRY_MS = const(10000)
_RETRY_MS = const(2000)
# How soon a returning access point is seen (isconnected() is a flag read):
# this is most of a device's reconnect time once the Wi-Fi is back.
_POLL_MS = const(20)


class Wifi:
    def __init__(self, ssid, password, power_save=False):
        self.ssid, self.password = ssid, password
        self.power_save = power_save
        self.pm = None   # its power save as the driver has it, named as protocols/status.py does
        self.wlan = network.WLAN(network.STA_IF)
        self.wlan.active(True)
        # ticks of the retry loop's last turn: the watchdog's sign that an
        # outage is being worked on, however long the access point stays down
        self.beat = time.ticks_ms()

    def ok(self):
        return self.wlan.isconnected()

    def rssi(self):
        try:
            return max(-127, min(0, self.wlan.status("rssi")))
        except Exception:
            return None

    async def _pause(self, ms):
        while ms > 0 and not self.wlan.isconnected():
            self.beat = time.ticks_ms()
            await asyncio.sleep_ms(_POLL_MS)
            ms -= _POLL_MS
        self.beat = time.ticks_ms()

    async def wait(self):
        # Returns once associated; keeps trying (the access point may reboot).
        if self.wlan.isconnected():
            return
        while not self.wlan.isconnected():
            print("wifi: connecting to %s" % self.ssid)
            try:
                self.wlan.connect(self.ssid, self.password)
            except OSError as e:
                print("wifi: %r" % (e,))
            await self._pause(_TRY_MS)
            if not self.wlan.isconnected():
                try:
                    self.wlan.disconnect()
                except OSError:
                    pass
                await self._pause(_RETRY_MS)
        print("wifi: connected")
        # after each association, so a driver that reset meanwhile is told again
        w = self.wlan
        try:
            w.config(pm=w.PM_PERFORMANCE if self.power_save else w.PM_NONE)
            self.pm = ("none", "performance", "powersave")[w.config("pm")]
        except Exception as e:
            print("wifi: pm %r" % (e,))
