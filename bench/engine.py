"""Commands a second through the engine alone, the runtime (an fsynced SQLite commit each) and the
HTTP API on loopback, side by side in one run.

    hall-bench engine --config FILE [--commands N] [--api-commands N]"""
from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time

from bench.report import last_line
from gateway.config import load_or_report


def arguments(b) -> None:
    b.add_argument("--config", required=True, metavar="FILE")
    b.add_argument("--commands", type=int, default=30000, help="commands for the engine-alone run")
    b.add_argument("--api-commands", type=int, default=600, help="commands through the runtime and the API")


def workload(hall, n: int, start: float, seed: int = 7):
    """A busy day: kiosk tickets, every window logged in and calling, starting, finishing."""
    rnd = random.Random(seed)
    windows = [w.number for w in hall.windows]
    codes = {s.login_code: s.id for s in hall.staff}
    posts = {w.number: w.post_a for w in hall.windows}
    login = {n: next((c for c, i in codes.items() if i == posts[n]), None) for n in windows}
    cmds, t = [], start
    for w in windows:
        if login[w]:
            cmds.append({"type": "login", "window": w, "staff_code": login[w]})
    services = [s.code for s in hall.services]
    step = {w: 0 for w in windows}
    cycle = ("call_next", "start", "finish")
    while len(cmds) < n:
        if rnd.random() < 0.3:
            cmds.append({"type": "issue_ticket", "service": rnd.choice(services),
                         "lane": rnd.choice(["normal", "normal", "normal", "green", "green"])})
        else:
            w = rnd.choice(windows)
            cmds.append({"type": cycle[step[w] % 3], "window": w})
            step[w] += 1
    for c in cmds:
        t += 0.05
        c["at"] = t
    return cmds


def _engine_alone(hall, cmds) -> tuple[float, int]:
    from gateway.engine import Engine

    eng = Engine(hall)
    t0 = time.perf_counter()
    ok = sum(eng.handle(c).ok for c in cmds)
    return len(cmds) / (time.perf_counter() - t0), ok


def _runtime(hall, cmds, data_dir) -> tuple[float, list[float]]:
    from gateway.runtime import Runtime

    rt = Runtime(hall, data_dir)
    lat = []
    for c in cmds:
        t = time.perf_counter()
        rt.submit(c)
        lat.append(time.perf_counter() - t)
    rt.close()
    return len(cmds) / sum(lat), lat


def _api(hall, cmds, data_dir) -> tuple[float, list[float]]:
    import httpx
    import uvicorn

    from gateway.api import create_app
    from gateway.runtime import Runtime

    rt = Runtime(hall, data_dir)
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = iter(c["at"] for c in cmds)
    server = uvicorn.Server(uvicorn.Config(create_app(rt, "bench", clock=lambda: next(clock)), host="127.0.0.1",
                                           port=port, log_level="warning", access_log=False))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.01)
    lat = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer bench"}) as c:
        for cmd in cmds:
            t = time.perf_counter()
            if cmd["type"] == "issue_ticket":
                c.post("/api/v1/tickets", json={"service": cmd["service"], "lane": cmd["lane"]})
            else:
                body = {k: v for k, v in cmd.items() if k not in ("type", "at", "window")}
                c.post(f"/api/v1/windows/{cmd['window']}/actions", json={"action": cmd["type"], **body})
            lat.append(time.perf_counter() - t)
    server.should_exit = True
    th.join(5)
    rt.close()
    return len(cmds) / sum(lat), lat


def _ms(lat: list[float], q: float) -> str:
    return f"{statistics.quantiles(lat, n=100)[int(q) - 1] * 1000:.2f}"


def run(args) -> int:
    hall = load_or_report(args.config)
    if hall is None:
        return 2
    from gateway.engine.calendar import HallCalendar

    cal = HallCalendar(hall)
    import datetime as dt

    day = dt.date(2026, 11, 23)  # a Monday: in opening hours, whatever the hall's settings
    start = cal.spans(day)[0][0] + 60 if cal.spans(day) else cal.day_begins(day)
    cmds = workload(hall, args.commands, start)
    few = workload(hall, args.api_commands, start)
    rate, ok = _engine_alone(hall, cmds)
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        rt_rate, rt_lat = _runtime(hall, few, d1)
        api_rate, api_lat = _api(hall, few, d2)
    print(f"hall {hall.id}: {len(hall.windows)} windows, {len(hall.services)} services")
    print(f"{'path':<34}{'commands':>9}{'cmd/s':>11}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'engine alone':<34}{len(cmds):>9}{rate:>11.0f}{'':>9}{'':>9}  (mean {1e6 / rate:.1f} µs; {ok} accepted)")
    print(f"{'runtime (SQLite FULL commit each)':<34}{len(few):>9}{rt_rate:>11.0f}{_ms(rt_lat, 50):>9}"
          f"{_ms(rt_lat, 99):>9}")
    print(f"{'HTTP API on loopback (httpx)':<34}{len(few):>9}{api_rate:>11.0f}{_ms(api_lat, 50):>9}"
          f"{_ms(api_lat, 99):>9}")
    last_line(engine_cmd_per_s=round(rate), runtime_cmd_per_s=round(rt_rate), runtime_p50_ms=_ms(rt_lat, 50),
              runtime_p99_ms=_ms(rt_lat, 99), api_cmd_per_s=round(api_rate), api_p50_ms=_ms(api_lat, 50),
              api_p99_ms=_ms(api_lat, 99))
    return 0
