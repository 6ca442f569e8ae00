"""The county's ingest into PostgreSQL and the lag up the tiers, on this machine.

    hall-bench tiers [--records N] [--single-records N] [--sites N] [--lag-samples N] [--rate R] [--workdir DIR]

In one run, with the county's gateway (hub + ingest; the county's view off, so the
figure is the ingest's) in a process of its own, a Mosquitto (TCP_NODELAY) and a
PostgreSQL on loopback:
1. ingest rate: simulated sites whose logs are ready (a day's worth each, real engine
   records on a real hash chain) start shipping at once; records per second until the
   county holds them all: one site, then 50 sites together;
2. lag with the link up: a village commits commands at a steady pace; from each commit
   (Runtime.submit returned) to its row at the county (received_at), p50 and p99,
   straight to the county and through a township (a process of its own) in between.
It prints figures; it asserts nothing.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from bench.report import last_line
from gateway.config import load_text
from gateway.engine import Engine
from gateway.extensions import mirror as mirror_ext
from gateway.extensions.context import Context, Settings, Tokens
from gateway.runtime import DB_NAME, Runtime
from gateway.store.audit import GENESIS, canonical, chain
from gateway.store.log import SCHEMA
from hil.services.mosquitto import Broker
from hil.services.postgres import Postgres
from hil.tiers.world import ROOT, sections

VILLAGE = (ROOT / "hall_config" / "tiers" / "village.toml").read_text()
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()  # a Monday morning


FIGURES: dict = {}  # this run's figures, for its key=value line


def arguments(p) -> None:
    p.add_argument("--records", type=int, default=2000, help="records per simulated site (2000: a village's day "
                                                            "several times over)")
    p.add_argument("--single-records", type=int, default=20000, help="records of the single site (20000: a "
                                                                        "county hall's day, or a village's backlog)")
    p.add_argument("--sites", type=int, default=50)
    p.add_argument("--lag-samples", type=int, default=500)
    p.add_argument("--rate", type=float, default=50.0, help="commits per second while measuring the lag (50)")
    p.add_argument("--workdir", metavar="DIR")


def hall_text(hall_id: str, tier: str, extra: str) -> str:
    text = sections(VILLAGE, {"parent": "", "mirror": ""})
    text = text.replace('id = "tier-village"', f'id = "{hall_id}"', 1).replace('tier = "village"', f'tier = "{tier}"', 1)
    return text + "\n" + extra


def parent(pid: str, port: int) -> str:
    return f'[parent]\nid = "{pid}"\nhost = "127.0.0.1"\nport = {port}\nack_timeout_seconds = 5\n'


def mirror(children: list[str], dsn: str = "", port: int = 0) -> str:
    kids = ", ".join(f'{{ id = "{c}" }}' for c in children)
    return (f"[mirror]\nchildren = [{kids}]\n" + (f'database = "{dsn}"\n' if dsn else "")
            + f'broker_host = "127.0.0.1"\nbroker_port = {port}\n')


def template(n: int) -> tuple[list[str], dict]:
    """n records of a working day from the engine itself (tickets issued, called, served):
    the record texts (with seq) and the engine's snapshot after them."""
    hall = load_text(hall_text("bench-x", "village", ""), "bench.toml")
    eng, out, at = Engine(hall), [], T0
    cmds = [{"type": "login", "window": 1, "staff_code": "2001"}]
    while len(out) < n:
        step = len(out) % 5
        cmd = cmds.pop() if cmds else [{"type": "issue_ticket", "service": "ZH"}, {"type": "call_next", "window": 1},
                                       {"type": "start", "window": 1}, {"type": "finish", "window": 1},
                                       {"type": "issue_ticket", "service": "ZX"}][step]
        at += 2.0
        cmd = {**cmd, "at": at}
        o = eng.handle(cmd)
        out.append(canonical({"seq": len(out) + 1, "cmd": cmd, "outcome": o.to_dict()}))
    return out, eng.snapshot()


def write_log(data: Path, hall_id: str, records: list[str], snap: dict) -> None:
    data.mkdir(parents=True, exist_ok=True)
    c = sqlite3.connect(data / DB_NAME)
    c.executescript(SCHEMA)
    prev, rows = GENESIS, []
    for i, rec in enumerate(records, 1):
        h = chain(prev, rec)
        rows.append((i, rec, prev, h))
        prev = h
    c.execute("BEGIN")
    c.executemany("INSERT INTO commands VALUES (?, ?, ?, ?)", rows)
    c.execute("INSERT INTO meta VALUES ('hall', ?)", (hall_id,))
    c.execute("INSERT INTO meta VALUES ('head', ?)", (f"{len(rows)}:{prev}",))
    c.execute("INSERT INTO snapshots VALUES (?, ?)", (len(rows), canonical(dict(snap, hall=hall_id))))
    c.execute("COMMIT")
    c.close()


class County:
    """A county (or township) gateway with only the tiers, in a process of its own."""

    def __init__(self, work: Path, hall_id: str, tier: str, extra: str, view: bool = False):
        work.mkdir(parents=True, exist_ok=True)
        self.cfg = work / f"{hall_id}.toml"
        self.cfg.write_text(hall_text(hall_id, tier, extra))
        args = [sys.executable, "-m", "hil.tiers.drain", "--config", str(self.cfg), "--data-dir",
                str(work / hall_id)] + ([] if view else ["--without-view"])
        self.log = open(work / f"{hall_id}.log", "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        time.sleep(1.0)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        self.log.close()


def _context(rt, data_dir: Path, port: int) -> Context:
    """A site's mirror as `hallgw run` makes it, on the benchmark's broker (no web server)."""
    tokens = Tokens("bench-clerk", "bench-supervisor", "bench-kiosk", "bench-screen")
    return Context(rt, tokens, Settings(data_dir=data_dir, broker_host="127.0.0.1", broker_port=port, http_port=0),
                   clock=time.time)


def counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as c:
        return dict(c.execute("SELECT hall_id, head_seq FROM sites").fetchall())


def ingest(work: Path, dsn: str, port: int, n_sites: int, records: list[str], snap: dict, tag: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("TRUNCATE sites, records, findings")
    ids = [f"s{tag}-{i:02d}" for i in range(n_sites)]
    county = County(work / f"county-{tag}", f"county-{tag}", "county", mirror(ids, dsn, port))
    sites = []
    try:
        for sid in ids:
            write_log(work / sid, sid, records, snap)
            hall = load_text(hall_text(sid, "village", parent(f"county-{tag}", port)), f"{sid}.toml")
            rt = Runtime(hall, work / sid)
            ext = mirror_ext.create(_context(rt, work / sid, port))
            sites.append((rt, ext))
        total = n_sites * len(records)
        t0 = time.monotonic()
        for _rt, ext in sites:
            ext.start()
        done = {}
        while len(done) < n_sites and time.monotonic() - t0 < 600:
            for sid, head in counts(dsn).items():
                if head >= len(records) and sid not in done:
                    done[sid] = time.monotonic() - t0
            time.sleep(0.05)
        took = max(done.values()) if len(done) == n_sites else float("nan")
        first = min(done.values()) if done else float("nan")
        FIGURES[f"ingest_{n_sites}_sites_per_s"] = round(total / took)
        return (f"ingest, {n_sites} site(s) at once: {total} records in {took:.2f} s = {total / took:,.0f} records/s "
                f"into PostgreSQL (first site complete after {first:.2f} s, last after {took:.2f} s)")
    finally:
        for rt, ext in sites:
            ext.stop()
            rt.close()
        county.stop()


def lag(work: Path, dsn: str, port: int, samples: int, rate: float, via_township: bool) -> str:
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("TRUNCATE sites, records, findings")
    tag = "t" if via_township else "d"
    vid, cid, tid = f"village-{tag}", f"county-{tag}", f"town-{tag}"
    first = tid if via_township else vid
    county = County(work / cid, cid, "county", mirror([first], dsn, port))
    town = County(work / tid, tid, "township", parent(cid, port) + mirror([vid], "", port)) if via_township else None
    hall = load_text(hall_text(vid, "village", parent(tid if via_township else cid, port)), f"{vid}.toml")
    rt = Runtime(hall, work / vid)
    ext = mirror_ext.create(_context(rt, work / vid, port))
    ext.start()
    committed: dict[int, float] = {}
    try:
        at = T0
        for _ in range(20):  # warm-up: connections made, the first batches through
            at += 1
            rt.submit({"type": "issue_ticket", "service": "ZH", "at": at})
        time.sleep(2.0)
        warm = rt.store.seq
        gap = 1.0 / rate
        for i in range(samples):
            at += 1
            rt.submit({"type": "issue_ticket", "service": "ZH" if i % 2 else "ZX", "at": at})
            committed[rt.store.seq] = time.time()
            time.sleep(gap)
        end = time.monotonic() + 60
        while counts(dsn).get(vid, 0) < rt.store.seq and time.monotonic() < end:
            time.sleep(0.1)
        with psycopg.connect(dsn) as c:
            rows = c.execute("SELECT seq, received_at FROM records WHERE hall_id = %s AND seq > %s",
                             (vid, warm)).fetchall()
        lags = sorted((got - committed[seq]) * 1000 for seq, got in rows if seq in committed)
        p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))] if lags else float("nan")
        path = "village -> township -> county" if via_township else "village -> county"
        tag = "via_township" if via_township else "direct"
        FIGURES[f"lag_{tag}_p50_ms"], FIGURES[f"lag_{tag}_p99_ms"] = round(statistics.median(lags), 1), round(p99, 1)
        return (f"lag {path}, link up, {rate:g} commits/s: n={len(lags)} p50={statistics.median(lags):.1f} ms "
                f"p99={p99:.1f} ms max={lags[-1]:.1f} ms (commit at the village to the county's row)")
    finally:
        ext.stop()
        rt.close()
        if town:
            town.stop()
        county.stop()


def run(args) -> int:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="hall-bench-tiers-"))
    pg = Postgres(work / "pg", port=6432 + os.getpid() % 1000).start()
    broker = Broker(work / "mosquitto").start()
    try:
        print(f"tiers: {os.cpu_count()} cores; PostgreSQL {pg.bin.parent.name} (fsync on, synchronous_commit "
              f"on), Mosquitto with TCP_NODELAY, all on loopback (workdir {work})", flush=True)
        from gateway.mirror.pgstore import PgSites
        PgSites(pg.dsn).close()
        records, snap = template(args.single_records)
        print(f"tiers: {ingest(work, pg.dsn, broker.port, 1, records, snap, 'one')}", flush=True)
        records, snap = template(args.records)
        print(f"tiers: {ingest(work, pg.dsn, broker.port, args.sites, records, snap, 'many')}", flush=True)
        for via in (False, True):
            print(f"tiers: {lag(work, pg.dsn, broker.port, args.lag_samples, args.rate, via)}", flush=True)
        last_line(**FIGURES)
        return 0
    finally:
        broker.stop()
        pg.remove()
