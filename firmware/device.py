# The runtime every role shares: Wi-Fi, the broker link, availability and
# state reports, desired state dispatch, event identity, the watchdog and
# the status LED. A role object plugs in with apply(), online() and run().
import asyncio
import gc
import time
import machine
from micropython import const

import clock
import keymap
from mqtt import MQTT
import wire
from statusled import StatusLed, ONLINE, OFFLINE
from wifi import Wifi

FW = "1.0.0"
_TICK_MS = const(200)
_STATE_MS = const(60000)
_LOOP_STALL_MS = const(3000)
# Offline, the Wi-Fi retry loop beats every 20 ms and the broker reconnect
# loop at least every ~10 s (connect timeouts): a stall limit above that.
_DOWN_STALL_MIN_MS = const(15000)

# Highest live heap seen: gc.mem_alloc() after each collect in the main loop,
# and after decoding and applying desired state (collected, with the message
# still in the receive buffer and its state alive): the heap figure of the role.
peak = 0


def heap_mark():
    global peak
    a = gc.mem_alloc()
    if a > peak:
        peak = a


class Device:
    def __init__(self, cfg, tls=None):
        self.cfg = cfg
        self.id, self.role = cfg["device"], cfg["role"]
        self.ntp_host = cfg.get("ntp_host", cfg["broker_host"])   # the gateway serves NTP
        hall = cfg["hall"]
        self.seq = 0
        self.boot = wire.boot_id()   # with the device id and seq: each event's identity
        self.t_event = wire.topic(hall, self.id, "event")
        self.t_state = wire.topic(hall, self.id, "state")
        self.t_avail = wire.topic(hall, self.id, "availability")
        self.t_desired = wire.topic(hall, self.id, "desired")
        # the role's own part of the wire contract (wire_callpad, ...): only this one is loaded
        self.rules = __import__("wire_" + self.role)
        # awake unless provisioned as a battery device (no key: one entry less in cfg, for good)
        self.wifi = Wifi(cfg["wifi_ssid"], cfg["wifi_password"], cfg.get("wifi_power_save"))
        self.tls = tls is not None   # mqtt.tls_context(cfg["tls_ca"]), made by main.py
        self.mqtt = MQTT(self.id, cfg["broker_host"], cfg["broker_port"],
                         cfg.get("mqtt_user"), cfg.get("mqtt_password"), cfg["keepalive"],
                         (self.t_avail, wire.availability(False, self.boot), True, 1), self.rules.RX_BYTES,
                         tls, cfg.get("tls_name"))
        self.mqtt.on_message = self._on_message
        self.mqtt.on_up = self._on_up
        self.mqtt.on_down = self._on_down
        self.led = StatusLed(keymap.STATUS_LED)
        self.rev = 0
        self.app = None
        self.queued = None      # evaluator: how many ratings wait in flash
        self.started = time.ticks_ms()
        self._tick = time.ticks_ms()
        # offline, how long the reconnect loops may show no sign of life
        self._down_stall = max(_DOWN_STALL_MIN_MS, cfg["keepalive"] * 1000)
        self._state_due = False

    @property
    def online(self):
        return self.mqtt.up

    async def _on_up(self):
        if clock.due() or not clock.is_set():
            clock.sync(self.ntp_host)   # before the first event: its ts needs the clock
        try:
            await self.mqtt.publish(self.t_avail, wire.availability(True, self.boot), True, 1)
            await self.mqtt.subscribe(self.t_desired, 1)
            self.led.pattern = ONLINE
            self.app.online(True)
            await self.publish_state()
        except Exception as e:
            print("device: going online failed: %r" % (e,))

    async def _link(self):
        await self.wifi.wait()
        if self.tls and not clock.is_set() and clock.due():
            # Where mbedTLS checks a certificate's dates, an RTC still at 2000 fails them.
            clock.sync(self.ntp_host)

    def _on_down(self):
        print("device: broker lost")
        self.led.pattern = OFFLINE
        self.app.online(False)

    def _on_message(self, topic, buf, n):
        if topic != self.t_desired:
            return
        gc.collect()   # the parse needs the old state's garbage gone: a whole heap, not holes
        try:
            d = wire.desired(buf, self.rules, n)
            self.app.apply(d)
        except ValueError as e:
            print("desired ignored: %s" % e)
            return
        finally:
            gc.collect()
            heap_mark()   # the live heap with the message and its state in it
        self.rev = d["rev"]
        self._state_due = True

    def next_event(self, name, **fields):
        e = self.rules.action(self.id, self.boot, self.seq + 1, clock.now(), name, **fields)
        self.seq += 1   # only once the event is valid: refused input takes no seq
        return e

    def new_rating(self, prompt, level, reasons=None, rv=None):
        t = clock.now()
        e = self.rules.rating(self.id, self.boot, self.seq + 1, t, prompt, level, t, reasons, rv)
        self.seq += 1
        return e

    async def send(self, event, keep=True):
        """Publish an event with QoS 1; OSError when offline (nothing is queued),
        and with keep=False also when the link is lost before the broker acks."""
        raw = wire.encode(event)
        await self.mqtt.publish(self.t_event, raw, False, 1, keep)

    async def publish_state(self):
        s = {"dev": self.id, "boot": self.boot, "role": self.role, "fw": FW,
             "uptime": time.ticks_diff(time.ticks_ms(), self.started) // 1000,
             "rev": self.rev, "heap": gc.mem_free()}
        r = self.wifi.rssi()
        if r is not None:
            s["rssi"] = r
        if self.wifi.pm:
            s["pm"] = self.wifi.pm
        if self.queued:
            s["queued"] = self.queued()
        await self.mqtt.publish(self.t_state, wire.state(s), True, 0)

    async def _loop(self):
        last_state = time.ticks_ms()
        while True:
            await asyncio.sleep_ms(_TICK_MS)
            self._tick = time.ticks_ms()
            gc.collect()
            heap_mark()   # after the collect: the live heap, not garbage awaiting collection
            if self.mqtt.up and not self.wifi.ok():
                print("device: Wi-Fi lost")
                self.mqtt.drop()
            if self.mqtt.up and clock.due():
                clock.sync(self.ntp_host)
            if self.mqtt.up and (self._state_due or time.ticks_diff(self._tick, last_state) > _STATE_MS):
                self._state_due = False
                last_state = self._tick
                try:
                    await self.publish_state()
                except Exception as e:
                    print("device: state not sent: %r" % (e,))

    def _progress(self):
        now = time.ticks_ms()
        if time.ticks_diff(now, self._tick) > _LOOP_STALL_MS:
            return False
        if self.mqtt.up:
            return time.ticks_diff(now, self.mqtt.progress) < self.cfg["keepalive"] * 2000
        # Offline: the Wi-Fi retry loop or the broker reconnect loop, whichever
        # turned last, must still be turning, however long the outage lasts.
        beat = self.wifi.beat
        if time.ticks_diff(self.mqtt.progress, beat) > 0:
            beat = self.mqtt.progress
        return time.ticks_diff(now, beat) < self._down_stall

    async def _watchdog(self):
        wdt = machine.WDT(timeout=self.cfg["wdt_ms"])
        while True:
            if self._progress():
                wdt.feed()
            await asyncio.sleep_ms(1000)

    async def run(self, app):
        self.app = app
        gc.collect()
        await asyncio.gather(self.led.run(), self.mqtt.run(self._link), self._loop(),
                             self._watchdog(), app.run())
