"""The reports at a county's scale: a simulated year's build, a month's report, the dashboard's push.

    hall-bench reports [--config FILE] [--windows N] [--days N] [--reports N] [--updates N] [--workdir DIR]

1. a simulated year of a county hall (hil/day/year.py: 60 windows, ~900 tickets a working day)
   written as a command log (kept in --workdir and reused by a later run with the same plan);
2. the reporting store rebuilt from it: seconds and records per second;
3. a month's report (and a quarter's) asked many times: p50 / p99;
4. the dashboard's update latency after a commit: the gateway's app (runtime, reports
   extension, push hub, uvicorn on loopback) with a Server-Sent Events reader on
   /api/v1/stream/dashboard; each command committed through the runtime, timed until the
   stream delivers the update that holds it; and until the reporting store has folded it.
   In --workdir/live, a data directory of its own (the year's log is never appended to)."""
from __future__ import annotations

import datetime as dt
import json
import random
import socket
import threading
import time
from pathlib import Path

from bench.report import last_line

BENCH_TOKEN = "bench-supervisor"


def arguments(p) -> None:
    p.add_argument("--config", default="hall_config/county.toml", metavar="FILE",
                   help="the hall file whose services, hours and calendar the year uses")
    p.add_argument("--windows", type=int, default=60)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--first", default="2026-01-01", help="first day of the simulated year")
    p.add_argument("--tickets-per-day", type=float, default=900)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reports", type=int, default=40, help="month reports to time (default 40)")
    p.add_argument("--updates", type=int, default=100, help="commits timed to the dashboard (default 100)")
    p.add_argument("--workdir", default="data/bench-reports", metavar="DIR",
                   help="where the year's log is kept between runs (default data/bench-reports)")


def _ms(values: list[float], q: float) -> str:
    v = sorted(values)
    return f"{1000 * v[min(len(v) - 1, max(0, round(q * len(v)) - 1))]:.1f}"


def _year(args, hall, work: Path) -> tuple[int, float | None]:
    from hil.day.year import write_days

    plan = {"config": str(Path(args.config).resolve()), "windows": args.windows, "days": args.days,
            "first": args.first, "tickets_per_day": args.tickets_per_day, "seed": args.seed}
    stamp = work / "plan.json"
    if stamp.exists() and json.loads(stamp.read_text()) == plan and (work / "hall.db").exists():
        import sqlite3
        conn = sqlite3.connect(f"file:{work / 'hall.db'}?mode=ro", uri=True)
        n = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM commands").fetchone()[0]
        conn.close()
        return n, None
    for p in work.glob("*.db*"):
        p.unlink()
    t0 = time.perf_counter()
    sim = write_days(hall, work / "hall.db", dt.date.fromisoformat(args.first), args.days, seed=args.seed,
                     tickets_per_day=args.tickets_per_day)
    stamp.write_text(json.dumps(plan))
    return sim.records, time.perf_counter() - t0


def _months(first: dt.date, days: int) -> list[str]:
    out, d = [], first.replace(day=1)
    while d <= first + dt.timedelta(days=days - 1):
        out.append(d.isoformat())
        d = (d + dt.timedelta(days=32)).replace(day=1)
    return out


class _Reader(threading.Thread):
    """Reads the dashboard's stream; notes when each seq first arrived."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.arrived, self.cond, self.error = url, {}, threading.Condition(), None
        self.stop = threading.Event()

    def run(self) -> None:
        import httpx
        try:
            with httpx.stream("GET", self.url, headers={"Authorization": f"Bearer {BENCH_TOKEN}"},
                              timeout=httpx.Timeout(10, read=30)) as r:
                r.raise_for_status()
                seq = None
                for line in r.iter_lines():
                    if self.stop.is_set():
                        return
                    if line.startswith("id: "):
                        seq = int(line[4:])
                    elif line.startswith("data: ") and seq is not None:
                        with self.cond:
                            self.arrived.setdefault(seq, time.perf_counter())
                            self.cond.notify_all()
                        seq = None
        except Exception as e:  # the bench prints it rather than hanging
            self.error = e

    def wait_for(self, seq: int, timeout: float = 10.0) -> float | None:
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [t for s, t in self.arrived.items() if s >= seq]
                if got:
                    return min(got)
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def _dashboard(hall, work: Path, n: int) -> tuple[list[float], list[float], list[float], int]:
    import uvicorn

    from gateway.api import create_app
    from gateway.extensions import reports as reports_ext
    from gateway.extensions.context import Context, Settings, Tokens
    from gateway.extensions.ports import PUSH_HUB, Ports
    from gateway.pages.push import PushHub
    from gateway.runtime import Runtime

    rt = Runtime(hall, work)
    day = rt.engine.cal.service_day(time.time()) + dt.timedelta(days=1)
    while not rt.engine.cal.spans(day):
        day += dt.timedelta(days=1)
    now = [rt.engine.cal.spans(day)[0][0] + 3600]

    def clock() -> float:
        now[0] += 0.5
        return now[0]

    closing = threading.Event()
    app = create_app(rt, "bench-clerk", clock=clock, supervisor_token=BENCH_TOKEN)
    tokens = Tokens("bench-clerk", BENCH_TOKEN, "bench-kiosk", "bench-screen")
    ext = reports_ext.create(Context(rt, tokens, Settings(data_dir=work), app, clock, closing,
                                     ports=Ports.given({PUSH_HUB: PushHub(rt)})))
    ext.start()
    ext.follower.ready.wait(600)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.01)
    reader = _Reader(f"http://127.0.0.1:{port}/api/v1/stream/dashboard")
    reader.start()
    pushed, folded, commits, lost = [], [], [], 0
    try:
        windows = [w.number for w in hall.windows]
        staff = {w.number: next(s.login_code for s in hall.staff if s.id == w.post_a) for w in hall.windows}
        w = windows[0]
        rt.submit({"type": "login", "at": clock(), "window": w, "staff_code": staff[w]})
        if reader.wait_for(rt.store.seq) is None:
            raise RuntimeError(f"the dashboard stream sent nothing ({reader.error})")
        code = hall.windows[0].services[0]
        cycle = ("issue", "call_next", "start", "finish")
        rnd = random.Random(3)
        for i in range(n):
            kind = cycle[i % 4]
            cmd = ({"type": "issue_ticket", "service": code} if kind == "issue" else {"type": kind, "window": w})
            t = time.perf_counter()
            out = rt.submit({**cmd, "at": clock()})
            t0 = time.perf_counter()  # committed (on disk, fsync'd): from here the dashboard's part
            commits.append(t0 - t)
            seq = rt.store.seq
            got = reader.wait_for(seq)
            if got is None or not out.ok:
                lost += 1
            else:
                pushed.append(got - t0)
            end = time.monotonic() + 10
            while ext.follower.seq < seq and time.monotonic() < end:
                time.sleep(0.0005)
            folded.append(time.perf_counter() - t0)
            time.sleep(rnd.uniform(0.01, 0.05))
    finally:
        reader.stop.set()
        closing.set()
        server.should_exit = True
        th.join(10)
        ext.stop()
        rt.close()
    return pushed, folded, commits, lost


def run(args) -> int:
    from gateway.config import load_file
    from gateway.reports.report import report
    from gateway.reports.store import DB_NAME, ReportStore
    from hil.day.year import year_hall

    hall = year_hall(load_file(args.config), args.windows)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    records, gen_s = _year(args, hall, work)
    size_mb = (work / "hall.db").stat().st_size / 1e6
    print(f"hall {hall.id}: {args.windows} windows, {len(hall.services)} services; {args.days} days from "
          f"{args.first}, ~{args.tickets_per_day:.0f} tickets a working day")
    print(f"log: {records} records, {size_mb:.0f} MB" + (f", simulated in {gen_s:.1f} s" if gen_s else
                                                         " (reused from an earlier run)"))
    t0 = time.perf_counter()
    store = ReportStore.rebuilt(work / DB_NAME, hall, work / "hall.db")
    build_s = time.perf_counter() - t0
    counts = store.counts()
    print(f"build: {build_s:.1f} s for {records} records ({records / build_s:.0f} records/s; goal < 60 s): "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    months = _months(dt.date.fromisoformat(args.first), args.days)
    now = store.cal.day_begins(dt.date.fromisoformat(args.first) + dt.timedelta(days=args.days + 1))
    lat, issued = [], 0
    for i in range(args.reports):
        m = months[i % len(months)]
        t = time.perf_counter()
        rep = report(store, hall, "month", m, now=now)
        lat.append(time.perf_counter() - t)
        issued = max(issued, rep["totals"]["issued"])
    q = []
    for m in months[:: 3][:4]:
        t = time.perf_counter()
        report(store, hall, "quarter", m, now=now)
        q.append(time.perf_counter() - t)
    print(f"month report: {args.reports} asked over {len(months)} months (busiest {issued} tickets): "
          f"p50 {_ms(lat, 0.5)} ms, p99 {_ms(lat, 0.99)} ms (goal < 1000 ms); quarter p50 {_ms(q, 0.5)} ms")
    store.close()
    live = work / "live"  # a gateway of its own: the year's log stays as simulated for the next run
    for p in live.glob("*"):
        p.unlink()
    live.mkdir(exist_ok=True)
    pushed, folded, commits, lost = _dashboard(hall, live, args.updates)
    if pushed:
        print(f"dashboard: commit -> update on the stream: p50 {_ms(pushed, 0.5)} ms, p99 {_ms(pushed, 0.99)} ms "
              f"({len(pushed)} commits); commit -> folded into reports.db: p50 {_ms(folded, 0.5)} ms, "
              f"p99 {_ms(folded, 0.99)} ms (the commit itself, fsync included: p50 {_ms(commits, 0.5)} ms)"
              + (f"; {lost} not pushed within 10 s" if lost else ""))
    else:
        print(f"dashboard: no update arrived ({lost} commits)")
    last_line(records=records, build_s=round(build_s, 1), month_p50_ms=_ms(lat, 0.5), month_p99_ms=_ms(lat, 0.99),
              dashboard_p50_ms=_ms(pushed, 0.5) if pushed else "nan",
              dashboard_p99_ms=_ms(pushed, 0.99) if pushed else "nan", not_pushed=lost)
    return 1 if lost or not pushed else 0
