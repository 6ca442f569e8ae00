# Call pad (叫号器): the clerk's keypad and a 128x64 screen. Keys become
# protocols.events actions; a key pressed while offline is refused on the
# screen, never queued. Key names and flows: see keymap.py.
# Screen, top to bottom: window and link (8 px), staff (16), ticket and its
# state (8), waiting (8), the key flow's prompt (8), then a note on the last
# key for 3 s, else the gateway's message, paged every 3 s when long (16).
# Choosing a pause reason, the reasons take the middle, three at a time.
import asyncio
import time
from machine import I2C, Pin
from micropython import const

import keymap
from keys import Keys
from wire_callpad import CASE_TYPES
from screen import Screen

_NOTE_MS = const(3000)
_PAGE_MS = const(3000)
_CASE_MAX = const(20)   # digits of a 办件编号 typed on the pad
_SIMPLE = {"call": "call_next", "recall": "recall", "start": "start",
           "noshow": "no_show", "eval": "request_evaluation"}
_DEFAULT_PAUSE = "临时离开"
# each action's name on the keys, for the note once it is sent
_NAMES = ("login 登录 logout 退出 call_next 叫号 recall 重呼 start 开始 finish 办结 no_show 过号 "
          "pause 暂停 resume 恢复 transfer 转移 request_evaluation 评价 attach_case 关联")


def _zh(action):
    w = _NAMES.split()
    return w[w.index(action) + 1]


class CallPad:
    def __init__(self, dev):
        self.dev = dev
        i2c = I2C(0, scl=Pin(keymap.I2C_SCL), sda=Pin(keymap.I2C_SDA), freq=400000)
        self.screen = Screen(i2c)
        self.keys = Keys(keymap.CALLPAD_KEYS, self.on_key)
        self.window = dev.cfg["window"]
        self.d = None
        self.mode = ""        # "", "finish", "pause" or "transfer": a two-step key flow
        self.digits = ""
        self.page = 0         # choosing a pause reason: which three are shown
        self.note = None      # (Chinese, English)
        self.note_at = 0
        self.msg_page = 0
        self.pages = 1        # screenfuls the message needs
        self.busy = False
        self.dirty = True

    def apply(self, d):
        self.screen.glyphs(d)   # the glyphs before anything is drawn with them
        self.d = d
        self.window = d["window"]
        if self.mode == "pause" and d["paused"]:
            self.mode = ""
        self.dirty = True

    def online(self, up):
        self.dirty = True

    def _say(self, zh, en):
        self.note = (zh, en)
        self.note_at = time.ticks_ms()
        self.dirty = True

    def _logged_in(self):
        return bool(self.d and self.d["logged_in"])

    def send(self, name, **fields):
        if not self.dev.online:
            self._say("离线 未发送", "OFFLINE-NOT SENT")
            return
        if self.busy:
            self._say("请稍候", "BUSY, WAIT")
            return
        try:
            e = self.dev.next_event(name, **fields)
        except ValueError as err:
            print("callpad: %s refused: %s" % (name, err))
            self._say("输入有误", "BAD INPUT")
            return
        self.mode, self.digits = "", ""
        self.busy = True
        self._say("发送中", "SENDING")
        asyncio.create_task(self._deliver(e))

    async def _deliver(self, e):
        # Not kept across reconnects: an action must act now or be refused on
        # the screen, never fire minutes later. If it reached the broker
        # unacked, the gateway applies it once (boot+seq); pressed again it
        # is a new event the engine judges on the window's state then.
        a = e["action"]
        try:
            await self.dev.send(e, False)
            self._say(_zh(a) + "已发送", "SENT " + a[:11].upper())
        except OSError:
            self._say("未发送", "NOT SENT")
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
            self.mode, self.digits, self.note = "", "", None
        elif name.isdigit():
            self._digit(name)
        elif name == "ok":
            self._ok()
        elif not self._logged_in():
            self._say("请先登录", "LOGIN FIRST")
        elif name in _SIMPLE:
            self.send(_SIMPLE[name])
        elif name == "finish":
            self.mode, self.digits = "finish", ""
        elif name == "transfer":
            self.mode, self.digits = "transfer", ""
        elif name == "pause":
            if self.d["paused"]:
                self.send("resume")
            elif self.mode == "pause":
                self.page += 1          # the next three reasons
            else:
                self.mode, self.digits, self.page = "pause", "", 0

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
        elif len(self.digits) < (3 if self.mode == "transfer" else _CASE_MAX if self._logged_in() else 8):
            self.digits += k

    def _ok(self):
        if not self._logged_in():
            if self.digits:
                self.send("login", staff=self.digits)
        elif self.mode == "finish":
            self.send("finish", case=CASE_TYPES[0])
        elif self.mode == "transfer" and self.digits:
            self.send("transfer", to_window=int(self.digits))
        elif not self.mode and self.digits:
            # 办件编号 of the ticket held, or of the one just finished until it
            # is rated: the gateway judges which, and refuses when neither
            self.send("attach_case", project=self.digits)

    def _prompt(self):
        if not self._logged_in():
            return "CODE " + "*" * len(self.digits)
        if self.mode == "finish":
            return "CASE 1-5 OK=IMM"
        if self.mode == "transfer":
            return "TO WIN " + self.digits
        if self.digits:   # a case number: its last digits when the line is full
            return "CASE#" + self.digits if len(self.digits) < 12 else "#" + self.digits[-15:]
        return ""

    def _pause_screen(self):
        s, r = self.screen, self._reasons()
        pages = (len(r) + 2) // 3
        first = self.page % pages * 3
        for k in range(3):
            if first + k < len(r):
                s.line("%d.%s" % (first + k + 1, r[first + k]), 8 + 16 * k)
        s.line(("1-%d PAUSE=MORE" if pages > 1 else "REASON 1-%d") % len(r), 56)

    def render(self):
        s, d = self.screen, self.d
        s.fill(0)
        s.line("WIN %-3d %s" % (self.window, "ONLINE" if self.dev.online else "OFFLINE"), 0)
        if self.mode == "pause":
            self._pause_screen()
            s.show()
            return
        if not d or not d["logged_in"]:
            s.line(s.say("未登录", "LOGGED OUT"), 8)
        else:
            s.line(("%s %s" % (d.get("staff", ""), d.get("post", ""))).strip(), 8)
            st = "PAUSED" if d["paused"] else d.get("tstate", "").upper()
            if d.get("recalls"):
                st += " R%d" % d["recalls"]
            s.line(("%s %s" % (d.get("ticket") or "", st)).strip() or "NO TICKET", 24)
        s.line("WAITING %d" % (d["waiting"] if d else 0), 32)
        s.line(self._prompt(), 40)
        if self.note:
            s.line(s.say(*self.note), 48)
            self.pages = 1
        else:
            self.pages = s.block((d and d.get("msg")) or "", 48, 16, self.msg_page)
        s.show()

    async def run(self):
        asyncio.create_task(self.keys.run())
        while True:
            now = time.ticks_ms()
            if self.note and time.ticks_diff(now, self.note_at) > _NOTE_MS:
                self.note = None
                self.dirty = True
            if self.pages > 1 and now // _PAGE_MS != self.msg_page:
                self.msg_page = now // _PAGE_MS   # a long message, one screenful at a time
                self.dirty = True
            if self.dirty:
                self.dirty = False
                try:
                    self.render()
                except Exception as e:   # a screen bug must not reboot the pad over and over
                    print("render: %r" % (e,))
            await asyncio.sleep_ms(30)
