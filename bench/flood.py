"""A device flood against the real gateway: RSS before, at its peak and a minute later, store and log growth, GET /queue.

    hall-bench flood [--config FILE] [--messages N] [--seconds S] [--broker embedded|mosquitto]
                     [--settle S] [--workdir DIR]

Runs `hallgw run` (a subprocess, on a Monday 10:00 of the hall's clock) with the embedded amqtt
broker as `make run` does (or on a Mosquitto of its own), warms it up (tickets, a call pad logged
in at window 5, GET /api/v1/queue), then sends --messages in the mix of hil/flood.py (window 3's
call pad and evaluator gone wrong, ids not in the hall file) paced over --seconds, as issue 26
did: 20,000 in 20 s. Meanwhile it samples the gateway's RSS every 0.2 s, asks GET /api/v1/queue
without pause, and has window 5's call pad call a ticket. Once the flood is sent and its alerts
have ended it waits --settle seconds (60) and samples the RSS again. Prints the figures; the
last line is key=value (rss_back_pct: the RSS a minute later against before, in per cent)."""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.report import last_line, pct

ROOT = Path(__file__).resolve().parents[1]


def arguments(p) -> None:
    p.add_argument("--config", default=str(ROOT / "hall_config" / "county.toml"), metavar="FILE",
                   help="hall TOML file with window 3's call pad and evaluator and window 5's call pad (county)")
    p.add_argument("--messages", type=int, default=20000, help="messages in the flood (default 20000)")
    p.add_argument("--seconds", type=float, default=20.0, help="over this many seconds (default 20)")
    p.add_argument("--broker", choices=("embedded", "mosquitto"), default="embedded",
                   help="the embedded amqtt broker, in the gateway's process as under `make run` (default), or "
                        "a Mosquitto of its own")
    p.add_argument("--settle", type=float, default=60.0, help="seconds after the flood for the last RSS (60)")
    p.add_argument("--workdir", metavar="DIR", help="keep the gateway's data and log here (default: a temp dir)")


class Probe:
    """GET /api/v1/queue without pause, and the gateway's RSS every 0.2 s, until stopped."""

    def __init__(self, gw):
        self.gw, self.lat, self.rss = gw, [], []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._queue, self._rss)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def _queue(self):
        while not self._stop.is_set():
            self.lat.append(queue_get(self.gw))

    def _rss(self):
        while not self._stop.wait(0.2):
            self.rss.append(self.gw.rss_mb())


def queue_get(gw) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(gw.url + "/api/v1/queue", timeout=60) as r:
        r.read()
    return time.perf_counter() - t


def store(db: Path) -> tuple[int, int]:
    """(bytes of the store with its WAL, records in the command log)."""
    from gateway.store.reader import LogReader

    size = sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())
    with LogReader.open(db) as r:
        return size, r.head().seq


def flood_alerts(gw) -> int:
    """The device_flood alerts up on the dashboard now."""
    import json

    req = urllib.request.Request(gw.url + "/api/v1/dashboard",
                                 headers={"Authorization": f"Bearer {gw.supervisor_token()}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return sum(a["kind"] == "device_flood" for a in json.loads(r.read())["alerts"])


def dropped(gw) -> int:
    with urllib.request.urlopen(gw.url + "/metrics", timeout=30) as r:
        text = r.read().decode()
    return int(sum(float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines()
                   if ln.startswith("hall_device_messages_dropped_total{")))


def run(args) -> int:
    from gateway.config import load_file
    from gateway.devices.client import DeviceClient
    from hil.flood import Flooder
    from hil.services.gateway import Gateway
    from hil.services.mosquitto import Broker, free_port

    hall = load_file(args.config)
    tz = ZoneInfo(hall.timezone)
    today = dt.datetime.now(tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    open_at = dt.datetime.combine(monday, dt.time(10, 0), tz).timestamp()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="hall-flood-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    broker = Broker(work / "mosquitto", port).start() if args.broker == "mosquitto" else None
    gw = Gateway(Path(args.config), work / "gw", free_port(), port, embedded_broker=broker is None,
                 clock=(open_at, 1.0, time.time()), without=("announcer",))
    print(f"bench-flood: {hall.name}; hallgw run on the {args.broker} broker; {args.messages} messages over "
          f"{args.seconds:g} s; data and log in {work}", flush=True)
    pad = None
    try:
        gw.start(timeout=180)  # a busy machine starts it slowly
        for _ in range(3):
            gw.take_ticket({"service": hall.services[0].code})
        pad = DeviceClient(hall.id, "w05-pad", "127.0.0.1", port)
        pad.action("login", staff=_code(hall, 5))
        pad.wait(lambda d: d["logged_in"], timeout=30)
        before_q = [queue_get(gw) for _ in range(300)]
        time.sleep(5)  # the start-up's work done (the reporting store built, the first snapshot)
        rss_before = statistics.median(gw.rss_mb() for _ in range(5))
        db, log = gw.data_dir / "hall.db", gw.data_dir / "gateway.log"
        size0, seq0 = store(db)
        log0 = log.read_bytes()
        flooder = Flooder(hall.id, port, args.messages, rate=args.messages / args.seconds)
        with Probe(gw) as probe:
            flooder.start()
            time.sleep(min(2.0, args.seconds / 4))
            t = time.perf_counter()
            pad.action("call_next")
            try:
                pad.wait(lambda d: bool(d["ticket"]), timeout=60)
                pad_ms = (time.perf_counter() - t) * 1000
            except TimeoutError:
                pad_ms = None  # not served during the flood (nor in the minute after it began)
            flooder.wait()
        flooder.stop()
        sent_s = flooder.finished - flooder.started
        end = time.monotonic() + 120
        while flood_alerts(gw) and time.monotonic() < end:  # each ends once its device is calm
            time.sleep(0.5)
        time.sleep(args.settle)
        rss_after = statistics.median(gw.rss_mb() for _ in range(5))
        size1, seq1 = store(db)
        grown = log.read_bytes()[len(log0):].decode(errors="replace")
        lost = dropped(gw)
        timeouts = grown.count("WARNING Timeout waiting for PUBACK")  # amqtt's, one line each
    finally:
        if pad is not None:
            pad.close()
        gw.stop()
        if broker is not None:
            broker.stop()
    peak = max([rss_before, *probe.rss])
    during = [x * 1000 for x in probe.lat]
    print(f"  RSS: before {rss_before:.1f} MB, peak {peak:.1f} MB, {args.settle:g} s after the flood "
          f"{rss_after:.1f} MB ({100 * (rss_after - rss_before) / rss_before:+.1f} %)")
    print(f"  store: +{size1 - size0} bytes, +{seq1 - seq0} records; log: +{len(grown)} bytes, "
          f"+{len(grown.splitlines())} lines, {timeouts} PUBACK time-outs; dropped {lost}")
    print(f"  GET /api/v1/queue: p99 {1000 * pct(before_q, 0.99):.1f} ms before, {pct(during, 0.99):.1f} ms during "
          f"({len(during)} requests); window 5's call_next -> its pad "
          f"{'never (60 s)' if pad_ms is None else f'{pad_ms:.0f} ms'} during the flood; "
          f"sent in {sent_s:.1f} s")
    last_line(broker=args.broker, messages=flooder.sent, sent_s=round(sent_s, 1), rss_before_mb=round(rss_before, 1),
              rss_peak_mb=round(peak, 1), rss_after_mb=round(rss_after, 1),
              rss_back_pct=round(100 * (rss_after - rss_before) / rss_before, 1),
              store_growth_bytes=size1 - size0, records_added=seq1 - seq0, log_lines_added=len(grown.splitlines()),
              log_bytes_added=len(grown), puback_timeouts=timeouts, dropped=lost,
              queue_p99_before_ms=round(1000 * pct(before_q, 0.99), 1), queue_p99_during_ms=round(pct(during, 0.99), 1),
              pad_call_ms="never" if pad_ms is None else round(pad_ms, 1))
    return 0


def _code(hall, window: int) -> str:
    """The login code of the A post of a window (from the hall file)."""
    w = next(w for w in hall.windows if w.number == window)
    staff = next(s for s in hall.staff if s.id == w.post_a)
    if not staff.login_code:
        sys.exit(f"bench-flood: staff {staff.id} of window {window} has no login_code in the hall file")
    return staff.login_code
