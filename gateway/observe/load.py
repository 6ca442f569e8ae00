"""What a flood leaves on /metrics: the HTTP connection table (open, per pool and its limit,
closed idle, refused, timed out) and the log records not written. `hallgw run` registers it
in the process's registry (gateway.latency.REGISTRY), which /metrics renders."""
from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from gateway.api.connections import POOLS, ConnectionTable
from gateway.observe.logs import RepeatFilter


class LoadCollector:
    def __init__(self, table: ConnectionTable, repeats: RepeatFilter | None = None):
        self.table, self.repeats = table, repeats

    def collect(self):
        f = self.table.figures()
        used = GaugeMetricFamily("hall_http_connections", "HTTP connections open, per pool (requests: every "
                                 "connection as accepted and the ordinary requests; pages, phones: pushed streams)",
                                 labels=["pool"])
        most = GaugeMetricFamily("hall_http_connections_limit", "The most HTTP connections a pool holds "
                                 "(from the open-file limit at start)", labels=["pool"])
        refused = CounterMetricFamily("hall_http_refused", "Connections or streams answered 503 because their "
                                      "pool was full of busy ones", labels=["pool"])
        for pool in POOLS:
            used.add_metric([pool], f["in_use"][pool])
            most.add_metric([pool], f["limits"][pool])
            refused.add_metric([pool], f["refused"] if pool == "requests" else f["refused_streams"][pool])
        yield from (used, most, refused)
        yield GaugeMetricFamily("hall_http_highest_descriptor", "The highest descriptor number an HTTP connection "
                                "has had (stays under 1024: the MQTT link's select())", value=f["highest_fd"])
        yield CounterMetricFamily("hall_http_admitted", "HTTP connections accepted into the table", value=f["admitted"])
        yield CounterMetricFamily("hall_http_evicted", "Idle HTTP connections closed to make room for a new one",
                                  value=f["evicted"])
        yield CounterMetricFamily("hall_http_timed_out", "HTTP connections closed for sending no whole request "
                                  "within the idle time-out", value=f["timed_out"])
        if self.repeats is not None:
            yield CounterMetricFamily("hall_log_suppressed", "Log records not written (a kind repeating past its "
                                      "rate; counted in a line of their own)", value=self.repeats.suppressed)
