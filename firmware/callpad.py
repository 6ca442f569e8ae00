# Call pad (叫号器): the clerk's keypad and a 128x64 screen. Keys become
# protocols.events actions; a key pressed while offline is refused on the
# screen, never queued. Key names and flows: see keymap.py.
import asyncio
import time
from machine import I2C, Pin
from micropython import const

import keymap
from keys import Keys
from wire import CASE_TYPES
from ssd1306 import SSD1306

_NOTE_MS = const(3000)
_SIMPLE = {"call": "call_next", "recall": "recall", "start": "start",
           "noshow": "no_show", "eval": "request_evaluation"}
_DEFAULT_PAUSE = "临时离开"


class CallPad:
    def __init__(self, dev):
        self.dev = dev
        i2c = I2C(0, scl=Pin(keymap.I2C_SCL), sda=Pin(keymap.I2C_SDA), freq=400000)
        self.screen = SSD1306(i2c)
        self.keys = Keys(keymap.keys("callpad"), self.on_key)
        self.window = dev.cfg["window"]
        self.d = None
        self.mode = ""        # "", "finish", "pause" or "transfer": a two-step key flow
        self.digits = ""
        self.note = ""
        self.note_at = 0
        self.busy = False
        self.dirty = True

    def apply(self, d):
        self.d = d
        self.window = d["window"]
        if self.mode == "pause" and d["paused"]:
            self.mode = ""
        self.dirty = True

    def online(self, up):
        self.dirty = True

    def _say(self, text):
        self.note = text
        self.note_at = time.ticks_ms()
        self.dirty = True

    def _logged_in(self):
        return bool(self.d and self.d["logged_in"])

    def send(self, name, **fields):
        if not self.dev.online:
            self._say("OFFLINE-NOT SENT")
            return
        if self.busy:
            self._say("BUSY, WAIT")
            return
        try:
            e = self.dev.next_event(name, **fields)
        except ValueError as err:
            print("callpad: %s refused: %s" % (name, err))
            self._say("BAD INPUT")
            return
        self.mode, self.digits = "", ""
        self.busy = True
        self._say("SENDING")
        asyncio.create_task(self._deliver(e))

    async def _deliver(self, e):
        # Not kept across reconnects: an action must act now or be refused on
        # the screen, never fire minutes later. If it reached the broker
        # unacked, the gateway applies it once (boot+seq); pressed again it
        # is a new event the engine judges on the window's state then.
        try:
            await self.dev.send(e, False)
            self._say("SENT " + e["action"][:11].upper())
        except OSError:
            self._say("NOT SENT")
        self.busy = False

    def on_key(self, name, long):
        self.dirty = True
        if long:
            if name == "back" and self._logged_in():
                self.send("logout")
            elif name == "finish" and self.mode == "finish":
                self.send("finish", case=CASE_TYPES[0])
            return
        if name == "back":
            self.mode, self.digits, self.note = "", "", ""
        elif name.isdigit():
            self._digit(name)
        elif name == "ok":
            self._ok()
        elif not self._logged_in():
            self._say("LOGIN FIRST")
        elif name in _SIMPLE:
            self.send(_SIMPLE[name])
        elif name == "finish":
            self.mode, self.digits = "finish", ""
        elif name == "transfer":
            self.mode, self.digits = "transfer", ""
        elif name == "pause":
            if self.d["paused"]:
                self.send("resume")
            else:
                self.mode, self.digits = "pause", ""

    def _reasons(self):
        return (self.d and self.d.get("reasons")) or [_DEFAULT_PAUSE]

    def _digit(self, k):
        n = int(k)
        if self.mode == "finish":
            if 1 <= n <= len(CASE_TYPES):
                self.send("finish", case=CASE_TYPES[n - 1])
        elif self.mode == "pause":
            r = self._reasons()
            if 1 <= n <= len(r):
                self.send("pause", reason=r[n - 1])
        elif len(self.digits) < (3 if self.mode == "transfer" else 8):
            self.digits += k

    def _ok(self):
        if not self._logged_in():
            if self.digits:
                self.send("login", staff=self.digits)
        elif self.mode == "finish":
            self.send("finish", case=CASE_TYPES[0])
        elif self.mode == "transfer" and self.digits:
            self.send("transfer", to_window=int(self.digits))

    def _prompt(self):
        if not self._logged_in():
            return "CODE " + "*" * len(self.digits)
        if self.mode == "finish":
            return "CASE 1-5 OK=IMM"
        if self.mode == "pause":
            return "REASON 1-%d" % len(self._reasons())
        if self.mode == "transfer":
            return "TO WIN " + self.digits
        return ""

    def render(self):
        s, d = self.screen, self.d
        s.fill(0)
        lines = ["WIN %-3d %s" % (self.window, "ONLINE" if self.dev.online else "OFFLINE")]
        if not d or not d["logged_in"]:
            lines.append("LOGGED OUT")
            lines += ["", "", "WAITING %d" % (d["waiting"] if d else 0)]
        else:
            lines.append("STAFF %s %s" % (d.get("staff", ""), d.get("post", "")))
            lines.append("TICKET %s" % (d.get("ticket") or "-"))
            st = "PAUSED" if d["paused"] else d.get("tstate", "").upper()
            if d.get("recalls"):
                st += " R%d" % d["recalls"]
            lines.append(st)
            lines.append("WAITING %d" % d["waiting"])
        if self.mode == "pause":
            r = self._reasons()
            lines.append(" ".join("%d.%s" % (i + 1, x) for i, x in enumerate(r))[:16])
            lines.append("")
        else:
            msg = (d and d.get("msg")) or ""
            lines += [msg[:16], msg[16:32]]
        lines.append(self.note or self._prompt())
        for i, t in enumerate(lines):
            s.text(t[:16], 0, i * 8, 1)
        s.show()

    async def run(self):
        asyncio.create_task(self.keys.run())
        while True:
            if self.note and time.ticks_diff(time.ticks_ms(), self.note_at) > _NOTE_MS:
                self.note = ""
                self.dirty = True
            if self.dirty:
                self.dirty = False
                self.render()
            await asyncio.sleep_ms(30)
