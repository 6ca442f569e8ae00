"""A clerk at one window, working the emulated call pad by its keys, and the
citizens rating on the window's emulated evaluator. Every step is a key press
followed by a look at the gateway's API until it shows the effect; a press lost
to a fault (board rebooting, Wi-Fi gone, gateway restarting) is pressed again."""
from __future__ import annotations

import random
import re
import threading
import time

from hil.board import Board
from hil.board.board import BoardError
from hil.board.keys import LEVEL_KEYS

STEP_PATIENCE = 2.0   # real seconds to wait for a press to show before pressing again
CASE_WEIGHTS = (80, 10, 4, 3, 3)   # 即办件 .. 退办件, keys 1..5
WAITING = re.compile(r"等候(\d+)人")


def mistyped(code: str, taken: set) -> tuple[str, ...]:
    """The clerk's code with one digit wrong, and nobody else's code."""
    for i in range(len(code)):
        for d in "0123456789":
            wrong = code[:i] + d + code[i + 1:]
            if wrong not in taken:
                return tuple(wrong)
    return ()


class Clerk(threading.Thread):
    def __init__(self, day, window, pad: Board, evaluator: Board | None, staff):
        super().__init__(daemon=True, name=f"clerk-{window.number}")
        self.day, self.window, self.pad, self.evaluator, self.staff = day, window, pad, evaluator, staff
        self.rng = random.Random(window.number)
        self.pauses = [p for p in day.plan.pauses if p[1] == window.number]
        self.error: BaseException | None = None

    # -- looking and pressing ------------------------------------------------
    def state(self) -> dict | None:
        try:
            return next(w for w in self.day.gateway.get("/api/v1/windows", 2) if w["number"] == self.window.number)
        except (OSError, ValueError):
            return None   # the gateway is restarting

    def press(self, *keys: str, long: bool = False) -> None:
        try:
            for k in keys:
                self.pad.press(k, long)
        except (BoardError, OSError):
            pass   # the pad is rebooting: the step is retried

    def step(self, keys: tuple[str, ...], done, tries: int = 20) -> dict | None:
        for _ in range(tries):
            if self.day.stopping.is_set():
                return None
            self.press(*keys)
            end = time.monotonic() + STEP_PATIENCE
            while time.monotonic() < end:
                w = self.state()
                if w is not None and done(w):
                    return w
                time.sleep(0.05)
        return None

    def waiting(self) -> int:
        """The waiting count the pad's top line shows ("1号窗口  等候7人"), 0 while it shows none."""
        m = WAITING.search(self.pad.screen_text()[0])
        return int(m.group(1)) if m else 0

    # -- the working day -----------------------------------------------------
    def run(self) -> None:
        try:
            self.work()
        except BaseException as e:
            self.error = e

    def work(self) -> None:
        day = self.day
        code = tuple(self.staff.login_code)
        typo = mistyped(self.staff.login_code, {s.login_code for s in day.hall.staff})
        while not day.stopping.is_set():
            w = self.state()
            if w is None:
                time.sleep(0.2)
                continue
            if w["status"] == "closed":
                if typo:  # the day's first login starts with a mistyped code (counted, not enough to lock)
                    self.press(*typo, "ok")
                    typo = ()
                self.step(code + ("ok",), lambda s: s["status"] != "closed")
            elif w["status"] == "calling":
                self.called(w)
            elif w["status"] == "serving":
                self.serve(w)
            elif w["status"] == "paused":
                self.step(("pause",), lambda s: s["status"] != "paused")
            elif self.pauses and self.pauses[0][0] <= day.sim_elapsed():
                self.take_pause(self.pauses.pop(0))
            elif day.last_call.is_set() or (day.draining() and not self.waiting()):
                time.sleep(0.2)
            elif self.waiting():
                self.step(("call",), lambda s: s["status"] != "idle", tries=1)
            else:
                time.sleep(0.1)

    def take_pause(self, pause) -> None:
        _, _, reason, seconds = pause
        reasons = list(self.day.hall.queue.pause_reasons)
        key = str(reasons.index(reason) + 1) if reason in reasons[:9] else "1"
        if self.step(("pause", key), lambda s: s["status"] == "paused", tries=3):
            self.day.sleep_sim(seconds)
            self.step(("pause",), lambda s: s["status"] != "paused")

    def called(self, w: dict) -> None:
        arrival = self.day.arrival_of(w["ticket"])
        tid = w["ticket"]
        if arrival is not None and arrival.no_show:
            self.step(("noshow",), lambda s: s["ticket"] != tid)
        else:
            self.step(("start",), lambda s: s["status"] != "calling" or s["ticket"] != tid)

    def serve(self, w: dict) -> None:
        day, tid = self.day, w["ticket"]
        arrival = day.arrival_of(tid)
        # The service lasts its planned time from the start the gateway recorded, so
        # the real seconds spent pressing keys (a simulated minute each at x60) are
        # not added to it: a slower host serves the same citizens.
        day.wait_until_sim(w["since"] - day.sim_start + (arrival.service_seconds if arrival else 300))
        target = day.transfer_window(arrival, self.window.number) if arrival else None
        if target and tid not in day.transferred:
            digits = tuple(str(target))
            if self.step(("transfer",) + digits + ("ok",), lambda s: s["ticket"] != tid):
                day.transferred.add(tid)
                return
        case = str(self.rng.choices(range(1, 6), CASE_WEIGHTS)[0])
        if not self.step(("finish", case), lambda s: s["ticket"] != tid):
            return
        if self.evaluator is None:
            return
        s = self.step(("eval",), lambda s: bool(s["evaluation_prompt"]), tries=3)
        if s and arrival is not None and arrival.rating is not None:
            self.rate(s["evaluation_prompt"], tid, arrival)

    def rate(self, prompt: str, tid: str, arrival) -> None:
        """The citizen presses as soon as the keys light up, then ticks the 差评 reasons."""
        ev = self.evaluator
        try:
            ev.wait_until(lambda: ev.leds().get(LEVEL_KEYS[5]), 3.0, "evaluator keys lit")
            ev.press(LEVEL_KEYS[arrival.rating])
            codes = [r.code for r in self.day.hall.evaluation.reasons]
            if arrival.rating <= 2:
                cursor = 0
                for r in arrival.reasons:
                    for _ in range((codes.index(r) - cursor) % len(codes)):
                        ev.press("next")
                    cursor = codes.index(r)
                    ev.press("pick")
                ev.press("done")
            # Given only if the evaluator took it: on a slow host at high speed the
            # prompt's time (simulated) can run out before the key lands on dark keys.
            ev.wait_serial(f"evaluator: rated {prompt} level {arrival.rating}", 3.0)
        except (BoardError, TimeoutError, OSError):
            return   # the evaluator was down or its keys went dark: the citizen walked away
        self.day.ratings_sent[tid] = {"prompt": prompt, "window": self.window.number, "staff": self.staff.id,
                                      "service": self.day.service_of(tid, arrival),
                                      "level": arrival.rating,
                                      "reasons": sorted(arrival.reasons) if arrival.rating <= 2 else []}
