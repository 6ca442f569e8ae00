"""The county's view of its sites, kept up to date from PostgreSQL: a thread woken by
the ingest reads each site's records past its cursor and folds them into the site's
live picture (gateway/county/live.py) and, for a site whose hall file the county has,
into the site's reporting store (the hall's own fold, gateway/reports, one SQLite file
per site under data/county/), from which the reports across sites are made.

The live picture starts from the site's last two days of records (a restart does not
fold a year); the reports keep their own cursor and fold everything once."""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gateway.county import live
from gateway.engine import satisfaction as sat
from gateway.mirror.feed import Feed
from gateway.mirror.sitestore import SiteStore

log = logging.getLogger("hallgw.county")
BATCH = 2000
LIVE_SPAN_S = 2 * 86400


class County:
    def __init__(self, hall, open_store: Callable[[], SiteStore], data_dir: Path, halls: dict,
                 clock: Callable[[], float] = time.time, own_log: Path | None = None, adapter=None):
        self.hall, self.open_store, self.clock = hall, open_store, clock
        self.own_log = own_log  # the county hall's own hall.db: its records go in beside the sites'
        self.dir = Path(data_dir) / "county"
        self.halls = halls  # site id -> Hall (the hall files the county holds)
        self.live: dict[str, dict] = {}
        self.reports: dict[str, object] = {}  # site id -> ReportStore
        self.adapter = adapter  # the county's provincial adapter ([mirror] province), else None
        self.province: dict[str, object] = {}  # site id -> SiteProvince
        self.sites: list[dict] = []
        self.findings: list[dict] = []
        self.feed = Feed(self.view)  # the dashboard's pushed picture
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def poke(self, _site=None) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="county-follow", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(15)
        for r in self.reports.values():
            r.close()
        for p in self.province.values():
            p.stop()

    def _run(self) -> None:
        store = None
        while not self._stop.is_set():
            try:
                store = store or self.open_store()
                moved = self.step(store)
                self.error = None
                if moved:
                    self.feed.bump()
            except Exception as e:
                self.error = f"{type(e).__name__}: {e}"
                log.exception("county: following the sites failed")
                if store is not None:
                    try:
                        store.close()
                    except Exception:
                        pass
                store = None
            self._wake.wait(5.0)
            self._wake.clear()
        if store is not None:
            store.close()

    def step(self, store: SiteStore) -> bool:
        """Fold what arrived since the last step. True when anything changed."""
        if self.own_log is not None:
            self._own(store)
        sites, findings = store.sites(), store.findings()
        moved = sites != self.sites or findings != self.findings
        self.sites, self.findings = sites, findings
        for s in sites:
            sid, head = s["hall_id"], s["head_seq"]
            pic = self.live.get(sid)
            if pic is None:
                pic = self.live[sid] = live.new()
                top = store.all("SELECT MAX(at) FROM records WHERE hall_id = ?", (sid,))[0][0]
                if top is not None:
                    first = store.all("SELECT MIN(seq) FROM records WHERE hall_id = ? AND at >= ?",
                                      (sid, top - LIVE_SPAN_S))[0][0]
                    pic["seq"] = (first or 1) - 1
            while pic["seq"] < head:
                rows = store.rows_after(sid, pic["seq"], BATCH)
                if not rows:
                    break
                for _seq, record, _prev, _hash in rows:
                    live.fold(pic, json.loads(record))
                moved = True
            moved |= self._report(store, sid, head)
            self._province(store, s)
        return moved

    def _province(self, store: SiteStore, s: dict) -> None:
        """A site that reports its ratings through the county: copy them to its outbox."""
        st, sid = s["status"] or {}, s["hall_id"]
        if self.adapter is None or sid not in self.halls or not st.get("ratings_via_parent") \
                or not isinstance(st.get("province_from"), int):
            return
        sp = self.province.get(sid)
        if sp is None:
            from gateway.county.province import SiteProvince
            sp = self.province[sid] = SiteProvince(self.halls[sid], s["tag"], st["province_from"],
                                                   self.dir / sid / "province.db", self.adapter,
                                                   self.hall.upstream.retry_max_seconds)
            sp.start()
        pos = sp.copied()
        while pos < s["head_seq"]:
            rows = store.rows_after(sid, pos, BATCH)
            if not rows:
                break
            pos = rows[-1][0]
            sp.feed(rows, pos)

    def _own(self, store: SiteStore) -> None:
        """The county hall's own log into the same table, with the same chain checks."""
        from gateway.mirror import chain
        from gateway.store import LogReader
        with LogReader.open(self.own_log) as log:
            while True:
                head = store.head(self.hall.id)
                after = head.seq if head else 0
                rows = log.links_after(after, BATCH)
                if not rows:
                    return
                tag = head.tag if head else rows[0].hash
                v = chain.check(head, after, rows, {})
                store.store(self.hall.id, tag, self.hall.id, head, v)

    def _report(self, store: SiteStore, sid: str, head: int) -> bool:
        hall = self.halls.get(sid)
        if hall is None:
            return False
        rs = self.reports.get(sid)
        if rs is None:
            from gateway.reports.store import ReportStore, needs_rebuild
            path = self.dir / sid / "reports.db"
            why = needs_rebuild(path, hall)
            if why and path.exists():  # folded again from the site's records held here
                log.info("county: the reports of %s are rebuilt: %s", sid, why)
                rs = ReportStore.fresh(path, hall)
            else:
                rs = ReportStore(path, hall)
            self.reports[sid] = rs
        moved = False
        while rs.cursor < head:
            rows = store.rows_after(sid, rs.cursor, BATCH)
            if not rows:
                break
            rs.fold_records(dict(json.loads(r), hash=h) for _s, r, _p, h in rows)
            moved = True
        return moved

    # -- views -------------------------------------------------------------------------
    def view(self) -> dict:
        """Every site at a glance (the dashboard's picture)."""
        now = time.time()
        out = []
        for s in self.sites:
            sid = s["hall_id"]
            st = s["status"] or {}
            pic = live.summary(self.live[sid], self.halls.get(sid)) if sid in self.live else None
            behind = (st.get("head") or 0) - s["head_seq"] if st.get("site") == sid else None
            out.append({"site": sid, "name": st.get("name") or sid, "tier": st.get("tier"), "via": s["via"],
                        "head": s["head_seq"], "behind": behind if behind is None or behind >= 0 else 0,
                        "last_heard_s": round(now - s["last_seen"], 1),
                        "status_age_s": round(now - s["status_at"], 1) if s["status_at"] else None,
                        "duplicates_suppressed": s["duplicates"], "devices": st.get("devices"),
                        "upstream": st.get("upstream"), "province_via_county": bool(st.get("ratings_via_parent")),
                        "findings": sum(1 for f in self.findings if f["site"] == sid),
                        "report": sid in self.halls, "live": pic,
                        "province_by_county": self.province[sid].status() if sid in self.province else None})
        return {"county": {"id": self.hall.id, "name": self.hall.name}, "version": self.feed.version,
                "error": self.error, "sites": out, "findings": self.findings[-50:],
                "totals": _totals([x["live"] for x in out if x["live"]])}

    def report(self, kind: str = "day", date: str | None = None) -> dict:
        """The reports across sites: each site's totals for the period (its own hall's fold)
        and their sum. A site without a hall file here is listed without figures."""
        from gateway.reports.report import report
        rows, sums = [], {"issued": 0, "served": 0, "rated": 0, "satisfied": 0, "bad": 0}
        for sid in sorted({s["hall_id"] for s in self.sites}):
            rs, hall = self.reports.get(sid), self.halls.get(sid)
            if rs is None or hall is None:
                rows.append({"site": sid, "name": sid, "figures": None})
                continue
            rep = report(rs, hall, kind, date)
            t = rep["totals"]
            rows.append({"site": sid, "name": hall.name, "period": rep["period"], "figures": t,
                         "followups": rep["followups"]})
            for k in ("issued", "served"):
                sums[k] += t[k]
            for k in ("rated", "satisfied", "bad"):
                sums[k] += t["ratings"][k]
        sums["satisfaction_rate"] = sat.rate({sat.SATISFIED_MIN: sums["satisfied"], 1: sums["bad"]})
        return {"county": self.hall.id, "kind": kind, "date": date, "sites": rows, "totals": sums}


def _totals(pics: list[dict]) -> dict:
    keys = ("issued", "called", "served", "waiting_total", "windows_open", "followups_open", "followups_overdue",
            "relays_open")
    out = {k: sum(p[k] for p in pics) for k in keys}
    levels = {lv: sum(p["ratings"]["levels"][lv] for p in pics) for lv in ("1", "2", "3", "4", "5")}
    out.update(rated=sum(levels.values()), bad=sum(p["ratings"]["bad"] for p in pics),
               satisfaction_pct=sat.percent(sat.rate(levels)),
               alerts=sum(len(p["alerts"]) for p in pics))
    return out
