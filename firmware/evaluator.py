# Evaluator (好差评评价器): five level keys with a LED each, lit only while the
# gateway prompts. 不满意 / 非常不满意 open a second step to tick reasons from
# the list the gateway sends. One rating per prompt. Every rating goes to
# flash first (ratings.py) and is re-sent until the gateway acknowledges it.
# A prompt goes dark on its own `timeout` seconds after it arrived, online or
# not: offline, that is what keeps the next citizen from rating the last
# one's service (一次一评).
import asyncio
import time
from machine import I2C, Pin
from micropython import const

import keymap
from keys import Keys
from wire_evaluator import BAD_LEVEL_MAX
from ratings import Ratings
from screen import Screen

_REASON_MS = const(60000)   # the reason step sends what is ticked after this
_RUN_MS = const(600)


class Evaluator:
    def __init__(self, dev):
        self.dev = dev
        self.ratings = Ratings()
        dev.queued = lambda: self.ratings.count
        i2c = I2C(0, scl=Pin(keymap.I2C_SCL), sda=Pin(keymap.I2C_SDA), freq=400000)
        self.screen = Screen(i2c)
        self.keys = Keys(keymap.EVALUATOR_KEYS, self.on_key)
        self.leds = [Pin(g, Pin.OUT, value=0) for g in keymap.EVALUATOR_LEDS]
        self.d = None
        self.level = 0          # >0 while in the reason step
        self.cursor = 0
        self.picked = []
        self.step_at = 0
        self.prompt_at = 0      # ticks when the current prompt arrived
        self.expired = False
        self.link = 0           # counts links: every new one gets every waiting rating again
        self.pass_of = None     # (link, journal generation) of the sending pass
        self.sent_upto = 0      # journal offset sent up to in that pass
        self.wake = asyncio.Event()
        self.dirty = True
        self.running = False  # a reason too long for its line is running along
        self.run_at = 0

    def _prompt(self):
        d = self.d
        if d and d["mode"] == "prompt" and not self.expired and not self.ratings.rated(d["prompt"]):
            return d["prompt"]
        return None

    def apply(self, d):
        self.screen.glyphs(d)   # the glyphs before anything is drawn with them
        if d.get("acked") and self.ratings.ack(d["acked"]):
            self.dev._state_due = True
        d.pop("acked", None)   # read once: up to 16 prompt ids the state need not keep on the heap
        new = d["mode"] != "prompt" or not self.d or d.get("prompt") != self.d.get("prompt")
        if new:
            self.level = 0   # the prompt moved on (timeout, new citizen)
            self.prompt_at = time.ticks_ms()
            self.expired = False
        old = self.d
        self.d = d
        if self.level and (d.get("rv") != old.get("rv") or d.get("reasons") != old.get("reasons")):
            # a new 差评 list (the province's next version) during the reason
            # step: the citizen picks again from it, so codes and rv agree
            self.cursor, self.picked = 0, []
            if not d.get("reasons"):
                self._rate(self.level, None)
        self.dirty = True

    def _expire(self):
        d = self.d
        t = d and d["mode"] == "prompt" and d.get("timeout")
        if t and not self.expired and time.ticks_diff(time.ticks_ms(), self.prompt_at) > t * 1000:
            print("evaluator: prompt %s timed out" % d["prompt"])
            self.expired = True
            self.level = 0    # a reason step half done is abandoned: no rating
            self.dirty = True

    def online(self, up):
        self.link += 1    # re-send every queued rating on each new link
        self.wake.set()
        self.dirty = True

    def on_key(self, name, long):
        if long:
            return
        i = self.keys.index(name)
        if i < keymap.LEVELS:
            if self.level or not self._prompt():
                return   # keys are dark: nothing to rate, or choosing reasons
            lv = keymap.LEVELS - i
            if lv <= BAD_LEVEL_MAX and self.d.get("reasons"):
                self.level, self.cursor, self.picked = lv, 0, []
                self.step_at = time.ticks_ms()
            else:
                self._rate(lv, None)
        elif self.level:
            n = len(self.d["reasons"])
            if name == "next":
                self.cursor = (self.cursor + 1) % n
            elif name == "pick":
                c = self.d["reasons"][self.cursor]
                if c in self.picked:
                    self.picked.remove(c)
                elif len(self.picked) < 8:
                    self.picked.append(c)
            elif name == "done":
                self._rate(self.level, self.picked)
        self.dirty = True

    def _rate(self, level, reasons):
        d = self.d
        e = self.dev.new_rating(d["prompt"], level, reasons or None,
                                d.get("rv") if reasons else None)
        self.ratings.add(e)     # flash first: a power cut now loses nothing
        self.level = 0
        self.wake.set()
        self.dev._state_due = True
        print("evaluator: rated %s level %d" % (d["prompt"], level))

    async def _sender(self):
        # Streams the journal: one rating in RAM at a time, however many wait.
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.dev.online:
                now = (self.link, self.ratings.gen)
                if self.pass_of != now:
                    self.pass_of, self.sent_upto = now, 0
                e, end = self.ratings.next(self.sent_upto)
                if e is None:
                    break
                try:
                    await self.dev.send(e)
                except OSError:
                    break     # offline: online() wakes us on the next link
                if self.pass_of == now:
                    self.sent_upto = end

    def render(self):
        # Top to bottom in 16 px lines: what to do (请您评价 / 谢谢 / 欢迎), whose
        # service, and 离线 while offline; in the reason step a title and three
        # reasons around the cursor, > marking it and * each ticked one; the
        # cursor's reason runs along when it is wider than its line.
        lit = bool(self._prompt())
        for i, led in enumerate(self.leds):
            led.value(1 if (lit and not self.level) or keymap.LEVELS - i == self.level else 0)
        s, d = self.screen, self.d
        s.fill(0)
        self.running = False
        if self.level:
            s.line("请选择原因", 0)
            rt = d["rtexts"]
            first = max(0, min(self.cursor - 1, len(rt) - 3))
            for i in range(first, min(len(rt), first + 3)):
                mark = "*" if d["reasons"][i] in self.picked else " "
                t = rt[i]
                if i == self.cursor and s.span(t) > 112:
                    # too long for the line: it runs along, one character every _RUN_MS
                    n = 0
                    while s.span(t[n:]) > 112:
                        n += 1
                    k = time.ticks_ms() // _RUN_MS % (n + 3)   # a step's pause at either end
                    t = t[max(0, min(n, k - 1)):]
                    self.running = True
                s.line((">" if i == self.cursor else " ") + mark + t, 16 + (i - first) * 16)
            s.show()
            return
        if lit:
            s.line("请您评价", 0)
            if d.get("staff"):
                s.line("工作人员 " + d["staff"], 16)
        elif d and d["mode"] == "thanks" or d and self.ratings.rated(d.get("prompt", "")):
            s.line("谢谢", 0)
        else:
            s.line("欢迎", 0)
        if not self.dev.online:
            s.line("离线", 48)
        s.show()

    async def run(self):
        asyncio.create_task(self.keys.run())
        asyncio.create_task(self._sender())
        while True:
            self._expire()
            if self.level and time.ticks_diff(time.ticks_ms(), self.step_at) > _REASON_MS:
                self._rate(self.level, self.picked)
                self.dirty = True
            if self.running and time.ticks_ms() // _RUN_MS != self.run_at:
                self.run_at = time.ticks_ms() // _RUN_MS
                self.dirty = True
            if self.dirty:
                self.dirty = False
                try:
                    self.render()
                except Exception as e:   # a screen bug must not reboot the pad over and over
                    print("render: %r" % (e,))
            await asyncio.sleep_ms(30)
