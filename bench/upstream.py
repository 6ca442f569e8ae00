"""How fast a rating reaches the provincial platform, and the drain after a day offline.

    hall-bench upstream --config FILE [--samples N] [--offline-ratings N] [--workdir DIR]

In one run, against the emulated platform (hil/province) on loopback:
1. link up: ratings made one at a time at the windows, each timed from its commit
   (from the start of its Runtime.submit, so the commit itself is included) to the
   platform's acceptance (the outbox got code 0);
2. a day offline: the platform unreachable while a county day of ratings is
   recorded, then back; the drain rate (records per second) once it answers, and
   the time the gateway's backoff took to notice it was back.
Both with SM4 off and on, side by side. It prints figures; it asserts nothing, but
a rating that never arrives makes the exit status 1.
"""
from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.report import last_line
from gateway.config import load_text
from gateway.outbox import ACCEPTED, DUPLICATE
from gateway.runtime import DB_NAME, Runtime
from gateway.upstream.service import Upstream
from hil.day.clock import day_start
from hil.province.control import Province
from hil.province.hall_file import with_upstream

SECRET = "bench-upstream-secret"


def arguments(p) -> None:
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--samples", type=int, default=200, help="ratings timed with the link up (200)")
    p.add_argument("--offline-ratings", type=int, default=900, help="ratings recorded while offline (900)")
    p.add_argument("--workdir", metavar="DIR")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


class Clock:
    """The hall's clock for the bench: a working morning, one second per command."""

    def __init__(self, start: float):
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            self.now += 1.0
            return self.now


class Windows:
    """Every window of the hall logged in; services rated round the windows."""

    def __init__(self, rt: Runtime, clock):
        self.rt, self.clock = rt, clock
        hall = rt.hall
        self.slots = []
        for w, member in zip(hall.windows, hall.staff, strict=False):
            self._do("login", window=w.number, staff_code=member.login_code)
            self.slots.append(w)
        self.i = 0

    def _do(self, type: str, **kw):
        out = self.rt.submit({"type": type, "at": self.clock(), **kw})
        if not out.ok:
            raise RuntimeError(f"{type} {kw}: {out.refusal}")
        return out

    def rate(self, level: int) -> None:
        """Serve one citizen at the next window and commit their rating."""
        w = self.slots[self.i % len(self.slots)]
        self.i += 1
        svc = self.rt.hall.service(w.services[0])
        cmd = {"service": svc.code}
        if svc.matters:
            cmd["matter"] = svc.matters[self.i % len(svc.matters)].code
        self._do("issue_ticket", **cmd)
        self._do("call_ticket", window=w.number, number=self._last_number(svc.code))
        self._do("start", window=w.number)
        self._do("finish", window=w.number)
        prompt = self._do("request_evaluation", window=w.number).result["prompt"]
        reasons = ["02"] if level <= 2 else []
        self.t_rate = time.perf_counter()  # the rating's submit: its commit is within it
        self._do("rate", window=w.number, prompt=prompt, level=level, reasons=reasons)

    def _last_number(self, code: str) -> str:
        return self.rt.read(lambda e: f"{e.prefix[code]}{e.seq[code]:03d}")


def one_run(config: Path, workdir: Path, sm4: bool, samples: int, offline: int) -> tuple[dict, bool]:
    province = Province(workdir / "province", "bench-hall", SECRET, sm4=sm4).start()
    accepted: dict[str, float] = {}
    got = threading.Condition()

    def on_result(item, res, answered):
        if item.kind == "rating" and res.outcome in (ACCEPTED, DUPLICATE):
            with got:
                accepted[item.key] = answered
                got.notify_all()

    try:
        text = with_upstream(config.read_text(encoding="utf-8"), province.url, "bench-hall", province.secret_file,
                             sm4=sm4, retry_max=2.0, timeout=2.0)
        hall = load_text(text, str(workdir / "hall.toml"))
        _, start = day_start(hall, hour=9.5)
        clock = Clock(start)
        rt = Runtime(hall, workdir / "gw")
        up = Upstream(rt, workdir / "gw" / DB_NAME, clock, on_result=on_result)
        up.start()
        try:
            wait_for(lambda: up.content.checked, 15)  # the level map is checked before anything goes
            windows = Windows(rt, clock)
            latencies = []
            for i in range(samples):
                before = len(accepted)
                windows.rate(5 - i % 5)
                t_commit = windows.t_rate
                with got:
                    got.wait_for(lambda b=before: len(accepted) > b, timeout=10)
                    done = len(accepted) > before
                latencies.append((max(accepted.values()) - t_commit) if done else 10.0)
            province.control(fault="offline")
            t0 = time.perf_counter()
            for i in range(offline):
                windows.rate(5 - i % 5)
            record_s = time.perf_counter() - t0
            target = samples + offline
            time.sleep(1.0)  # a while offline: the gateway is in backoff, as after a day
            back = time.perf_counter()
            province.control(fault="online")
            with got:
                got.wait_for(lambda: len(accepted) >= target, timeout=120)
            stamps = sorted(accepted.values())[samples:]
            first, last = (stamps[0], stamps[-1]) if stamps else (back, back)
            wait_for(lambda: up.status()["destinations"][0]["pending"] == 0, 30)  # the follow-ups too
            st = up.status()["destinations"][0]
        finally:
            up.stop()
            rt.close()
        pst = province.state()
        drained = len(stamps)
        fig = {"sm4": sm4, "p50_ms": statistics.median(latencies) * 1000, "p99_ms": pct(latencies, 0.99) * 1000,
               "max_ms": max(latencies) * 1000, "offline_ratings": offline, "record_rate": offline / record_s,
               "noticed_back_s": first - back, "drain_rate": (drained - 1) / (last - first) if drained > 1 else 0,
               "drained": drained, "pending_left": st["pending"], "dead": st["dead_letter"],
               "platform_accepted": pst["accepted"], "duplicates": pst["duplicates_answered"]}
        return fig, len(accepted) >= target and not st["dead_letter"]
    finally:
        province.stop()


def wait_for(cond, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError(f"waited {timeout} s for {cond}")
        time.sleep(0.05)


def run(args) -> int:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="hall-bench-upstream-"))
    ok, figures = True, {}
    for sm4 in (False, True):
        fig, good = one_run(Path(args.config), work / ("sm4" if sm4 else "plain"), sm4, args.samples,
                            args.offline_ratings)
        ok &= good
        print(f"upstream sm4={'on' if sm4 else 'off'}: link up, commit->accepted over {args.samples} ratings: "
              f"p50={fig['p50_ms']:.2f} ms p99={fig['p99_ms']:.2f} ms max={fig['max_ms']:.2f} ms", flush=True)
        print(f"upstream sm4={'on' if sm4 else 'off'}: offline: {fig['offline_ratings']} ratings recorded at "
              f"{fig['record_rate']:.0f}/s; back online: first accepted after {fig['noticed_back_s']:.2f} s "
              f"(backoff), drained {fig['drained']} at {fig['drain_rate']:.0f} records/s; "
              f"left pending={fig['pending_left']} dead={fig['dead']} platform duplicates={fig['duplicates']}",
              flush=True)
        tag = "sm4" if sm4 else "plain"
        figures.update({f"{tag}_commit_to_accept_p50_ms": round(fig["p50_ms"], 2),
                        f"{tag}_commit_to_accept_p99_ms": round(fig["p99_ms"], 2),
                        f"{tag}_drain_per_s": round(fig["drain_rate"]), f"{tag}_noticed_back_s": round(fig["noticed_back_s"], 2)})
    if not ok:
        print("hall-bench upstream: some ratings did not arrive (see above)", flush=True)
    last_line(**figures, all_arrived=ok)
    return 0 if ok else 1
