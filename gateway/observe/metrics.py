"""/metrics in the Prometheus text format: the hall's figures as a county IT office graphs them.

Counted as they happen (a runtime subscriber): ratings by level, waits from issue to first call.
Read at each scrape: commands committed (the store's seq), queue lengths and the longest current
wait, windows by status, devices online, the messages each device had dropped past its budget,
the broker link, upstream delivery, the kiosk printer, the store's size and the disk it is on.
The latencies come from gateway.latency, the process's memory and CPU from
prometheus_client's ProcessCollector. docs/OPERATING.md "Health and metrics" names them."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from gateway import latency
from gateway.backup import copy as backup_copy
from gateway.engine import reads
from gateway.observe.healthz import Parts
from gateway.printer.status import PRINTABLE, STATES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The hall's target is 15 minutes (DOMAIN §4): buckets around it.
WAIT_BUCKETS = (60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 7200)
WINDOW_STATUSES = ("idle", "calling", "serving", "paused", "closed")
ROLES = ("callpad", "evaluator", "display")


@dataclass
class Facts:
    """One scrape's reading of the gateway (plain data: families() turns it into metrics)."""
    committed: int = 0
    waiting: dict[str, int] = field(default_factory=dict)
    oldest_wait: dict[str, float] = field(default_factory=dict)
    windows: dict[str, int] = field(default_factory=dict)
    devices: list[dict] | None = None
    dropped: dict[str, int] | None = None  # device id (or "*": ids not in the hall file) -> messages dropped
    broker_connected: bool | None = None
    upstream: list[dict] | None = None
    printer: dict | None = None
    store_bytes: int = 0
    disk_free_bytes: int | None = None
    disk_full: bool = False
    backup: dict | None = None
    clock: object = None  # reads.clock: the hall clock as logged


def engine_facts(eng, seq: int, now: float) -> Facts:
    """Read under the runtime's lock."""
    ready = reads.longest_waiting(eng, transferred=False)
    oldest = {s.code: max(0.0, now - ready[s.code]) if s.code in ready else 0.0 for s in eng.hall.services}
    windows = dict.fromkeys(WINDOW_STATUSES, 0)
    for status in reads.statuses(eng).values():
        windows[status] = windows.get(status, 0) + 1
    return Facts(committed=seq, waiting=reads.waiting(eng), oldest_wait=oldest, windows=windows,
                 clock=reads.clock(eng))


def families(f: Facts) -> list:
    out = [CounterMetricFamily("hall_commands_committed", "Commands committed to the store (its sequence number)",
                               value=f.committed)]
    g = GaugeMetricFamily("hall_queue_waiting", "Tickets waiting, per service", labels=["service"])
    for s, n in f.waiting.items():
        g.add_metric([s], n)
    out.append(g)
    g = GaugeMetricFamily("hall_queue_oldest_wait_seconds", "How long the longest-waiting ticket of a service "
                          "has waited (0: none waiting)", labels=["service"])
    for s, t in f.oldest_wait.items():
        g.add_metric([s], t)
    out.append(g)
    g = GaugeMetricFamily("hall_windows", "Windows by status", labels=["status"])
    for s, n in f.windows.items():
        g.add_metric([s], n)
    out.append(g)
    if f.devices is not None:
        on = GaugeMetricFamily("hall_devices_online", "Devices online (MQTT availability), per role", labels=["role"])
        conf = GaugeMetricFamily("hall_devices_configured", "Devices in the hall file, per role", labels=["role"])
        for role in ROLES:
            mine = [d for d in f.devices if d["role"] == role]
            on.add_metric([role], sum(1 for d in mine if d["online"]))
            conf.add_metric([role], len(mine))
        out += [on, conf]
    if f.dropped is not None:
        where = {d["id"]: (str(d["window"]), d["role"]) for d in f.devices or ()}
        c = CounterMetricFamily("hall_device_messages_dropped", "Messages a device sent past its budget "
                                "([device_limits]), dropped before the queue; device \"*\": ids not in the hall "
                                "file", labels=["device", "window", "role"])
        for dev, n in sorted(f.dropped.items()):
            c.add_metric([dev, *where.get(dev, ("", ""))], n)
        out.append(c)
    if f.broker_connected is not None:
        out.append(GaugeMetricFamily("hall_broker_connected", "1 while the gateway is linked to the MQTT broker",
                                     value=int(f.broker_connected)))
    if f.upstream is not None:
        pend = GaugeMetricFamily("hall_upstream_pending", "Records waiting for the province", labels=["destination"])
        dead = GaugeMetricFamily("hall_upstream_dead_letter", "Records the province refused (dead letter)",
                                 labels=["destination"])
        done = CounterMetricFamily("hall_upstream_delivered", "Records the province acknowledged",
                                   labels=["destination"])
        held = GaugeMetricFamily("hall_upstream_held", "1 while delivery is held (a mapping contradicts the "
                                 "platform)", labels=["destination"])
        for d in f.upstream:
            pend.add_metric([d["name"]], d["pending"])
            dead.add_metric([d["name"]], d["dead_letter"])
            done.add_metric([d["name"]], d["delivered"])
            held.add_metric([d["name"]], int(bool(d.get("held"))))
        out += [pend, dead, done, held]
    if f.printer is not None:
        p = f.printer
        st = GaugeMetricFamily("hall_printer_state", "1 for the kiosk printer's current state",
                               labels=["printer", "state"])
        for s in STATES + ("none",):
            st.add_metric([p["id"], s], int(p["state"] == s))
        out.append(st)
        out.append(GaugeMetricFamily("hall_printer_ready", "1 while the kiosk printer can print a slip",
                                     labels=["printer"]))
        out[-1].add_metric([p["id"]], int(p["state"] in PRINTABLE))
    out.append(GaugeMetricFamily("hall_store_bytes", "Size of the store (hall.db with its WAL)", value=f.store_bytes))
    if f.disk_free_bytes is not None:
        out.append(GaugeMetricFamily("hall_store_disk_free_bytes", "Free space on the store's disk",
                                     value=f.disk_free_bytes))
    out.append(GaugeMetricFamily("hall_store_disk_full", "1 while the store's disk is full: commands are "
                                 "refused (503) until space is freed", value=int(f.disk_full)))
    if f.backup is not None:
        out.append(GaugeMetricFamily("hall_backup_last_timestamp_seconds", "When the last online backup was made "
                                     "(alert when older than a day and a bit)", value=f.backup["at"]))
        out.append(GaugeMetricFamily("hall_backup_last_bytes", "Size of the last backup", value=f.backup["bytes"]))
        out.append(GaugeMetricFamily("hall_backup_last_duration_seconds", "How long the last backup took",
                                     value=f.backup["seconds"]))
    if f.clock is not None and f.clock.synced is not None:  # a clock's watch logged its facts
        out.append(GaugeMetricFamily("hall_clock_synchronized", "1 while the Pi's clock is synchronized (NTP or a "
                                     "battery RTC); 0: times may be yesterday's saved ones", value=int(f.clock.synced)))
        out.append(GaugeMetricFamily("hall_clock_offset_seconds", "What a supervisor's setting adds to the Pi's "
                                     "clock (0 when none)", value=f.clock.offset))
        out.append(CounterMetricFamily("hall_clock_steps", "Steps of the hall clock logged since the store began",
                                       value=f.clock.steps))
    return out


def store_size(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


class HallMetrics:
    """One gateway's registry. on_events is a runtime subscriber; render() is the scrape."""

    def __init__(self, runtime, clock, parts: Parts):
        self.runtime, self.clock, self.parts = runtime, clock, parts
        self.db = Path(runtime.store.path)
        self.registry = CollectorRegistry(auto_describe=False)
        self.ratings = Counter("hall_ratings", "Ratings recorded (levels 1-2 are 差评)", ["level", "channel"],
                               registry=self.registry)
        self.waits = Histogram("hall_wait_seconds", "Waiting time of a ticket from issue (or transfer) to its first "
                               "call", ["service"], buckets=WAIT_BUCKETS, registry=self.registry)
        self.registry.register(_Scrape(self))
        ProcessCollector(registry=self.registry)

    def on_events(self, events: list[dict]) -> None:
        # Called inside the commit, under the runtime's lock: the engine is as it left it.
        for ev in events:
            t = ev.get("type")
            if t == "rating_recorded":
                self.ratings.labels(str(ev["level"]), ev.get("channel") or "evaluator").inc()
            elif t == "ticket_called" and not ev.get("recall"):
                tk = self.runtime.read(lambda eng, tid=ev["ticket"]: reads.ticket(eng, tid))
                if tk is not None and tk.called_at is not None:
                    self.waits.labels(tk.service).observe(max(0.0, tk.called_at - tk.ready_at))

    def facts(self) -> Facts:
        now = self.clock()
        f = self.runtime.read(lambda eng: engine_facts(eng, self.runtime.store.seq, now))
        plane = self.parts.plane
        if plane is not None:
            f.devices = plane.registry.listing()
            f.broker_connected = plane.link.connected
            f.dropped = plane.budget.totals()
        if self.parts.upstream is not None:
            f.upstream = self.parts.upstream.status()["destinations"]
        if self.parts.printer is not None:
            f.printer = self.parts.printer.view()
        f.store_bytes = store_size(self.db)
        f.disk_free_bytes = shutil.disk_usage(self.db.parent).free
        f.disk_full = self.runtime.store.space.full
        f.backup = backup_copy.last(self.db)
        return f

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(latency.REGISTRY)


class _Scrape:
    def __init__(self, metrics: HallMetrics):
        self.metrics = metrics

    def collect(self):
        yield from families(self.metrics.facts())
