# Call pad (叫号器): the clerk's keypad and a 128x64 screen. Keys become
# protocols.events actions; a key pressed while offline is refused on the
# screen, never queued. Key names and flows: see keymap.py.
# Screen, four lines of 16 px (screen.py), all in Chinese:
#   window number, and the waiting count (离线 instead while offline: the
#     count would be stale; 在线 until the first state comes)
#   the clerk and post (未登录 when logged out)
#   the ticket and its state, 暂停中 and why, 空闲; or what is being typed
#     (登录码 ****, 办件编号 and how many digits)
#   a note on the last key for 3 s, else the digits of a 办件编号 or the
#     window a transfer goes to, else the gateway's message (paged every
#     3 s when long), else a hint.
# The finish step and the pause step take the whole screen: the case types
# and the hall's pause reasons, each with the digit that picks it.
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
# the finish step's screen: CASE_TYPES in the hall's words, each with its digit
_FINISH = "1即办件 2承诺件 3联办件 4上报件 5退办件 确认=1"


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
        self.page = 0         # choosing a pause reason: which screenful is shown
        self.note = None
        self.note_at = 0
        self.msg_page = 0
        self.pages = 1        # screenfuls the message needs
        self.busy = False
        self.dirty = True

    def apply(self, d):
        self.screen.glyphs(d)   # the glyphs before anything is drawn with them
        if d["logged_in"] != self._logged_in():
            self.mode, self.digits = "", ""   # a login code typed is no 办件编号, nor the reverse
        self.d = d
        self.window = d["window"]
        if self.mode == "pause" and d["paused"]:
            self.mode = ""
        self.dirty = True

    def online(self, up):
        self.dirty = True

    def _say(self, note):
        self.note = note
        self.note_at = time.ticks_ms()
        self.dirty = True

    def _logged_in(self):
        return bool(self.d and self.d["logged_in"])

    def send(self, name, **fields):
        if not self.dev.online:
            self._say("离线 未发送")
            return
        if self.busy:
            self._say("请稍候")
            return
        try:
            e = self.dev.next_event(name, **fields)
        except ValueError as err:
            print("callpad: %s refused: %s" % (name, err))
            self._say("输入有误")
            return
        self.mode, self.digits = "", ""
        self.busy = True
        self._say("发送中")
        asyncio.create_task(self._deliver(e))

    async def _deliver(self, e):
        # Not kept across reconnects: an action must act now or be refused on
        # the screen, never fire minutes later. If it reached the broker
        # unacked, the gateway applies it once (boot+seq); pressed again it
        # is a new event the engine judges on the window's state then.
        a = e["action"]
        try:
            await self.dev.send(e, False)
            self._say(_zh(a) + "已发送")
        except OSError:
            self._say("未发送")
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
            self._say("请先登录")
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
                self.page += 1          # the next screenful of reasons
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

    def _state(self):
        """The third line: what the window is doing, or what is being typed."""
        d = self.d
        if not self._logged_in():
            return "登录码 " + "*" * len(self.digits) if self.digits else "请输入登录码"
        if self.digits and not self.mode:
            return "办件编号 %d位" % len(self.digits)
        if d["paused"]:
            return "暂停中 " + d.get("pause_reason", "")
        t = d.get("ticket")
        if not t:
            return "空闲"
        if d.get("tstate") == "serving":
            return t + " 办理中"
        return t + (" 重呼%d次" % d["recalls"] if d.get("recalls") else " 叫号中")

    def _bottom(self):
        """The last line, when no note is up: the digits being typed, the
        gateway's message (paged), or a hint. Sets self.pages."""
        s, d = self.screen, self.d
        self.pages = 1
        if self.mode == "transfer":
            return "转到窗口:" + self.digits
        if self.digits and self._logged_in():
            return self.digits[-16:]   # a 办件编号 longer than the line: its last digits
        msg = d and d.get("msg")
        if msg:
            self.pages = s.block(msg, 48, 16, self.msg_page)
            return None
        if self.digits:
            return "按确认登录"
        if d and d["paused"]:
            return "按暂停键恢复"
        return ""

    def _menu(self):
        """The finish step's or the pause step's screen: what each digit picks,
        under a title, or the note on the last key (a pick refused offline)."""
        s, d = self.screen, self.d
        if self.mode == "finish":
            t = d and d.get("ticket")
            title = "办结 %s按1-5" % (t + " " if t else "")
            s.block(_FINISH, 16, 48)
        else:
            r, text = self._reasons(), ""
            for k in range(len(r)):
                text += " %d%s" % (k + 1, r[k])
            n = s.block(text[1:], 16, 48, self.page)
            title = "原因%d/%d 暂停翻页" % (self.page % n + 1, n) if n > 1 else "暂停原因 按1-%d" % len(r)
        s.line(self.note or title, 0)

    def render(self):
        s, d = self.screen, self.d
        s.fill(0)   # every screen starts blank: nothing of the last one stays
        if self.mode == "finish" or self.mode == "pause":
            self._menu()
        else:
            # the window, and the waiting count (stale offline: 离线 instead)
            right = ("等候%d人" % d["waiting"] if d else "在线") if self.dev.online else "离线"
            left = "%d号窗口" % self.window
            w = s.span(right)
            s.line(left if s.span(left) + w <= 120 else "%d号" % self.window, 0)   # 3 digits, long queue
            s.line(right, 0, 128 - w)
            if self._logged_in():
                s.line(d.get("staff", "") + (" %s岗" % d["post"] if d.get("post") else ""), 16)
            else:
                s.line("未登录", 16)
            s.line(self._state(), 32)
            if self.note:
                s.line(self.note, 48)
                self.pages = 1
            else:
                b = self._bottom()
                if b:
                    s.line(b, 48)
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
