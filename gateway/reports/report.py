"""The report of a period (docs/REPORTS.md): read from the reporting store's indexed rows
per service day, never from the log, and added up here, so every figure of a window, a
service or a clerk comes from the same per-ticket rows as the hall's totals."""
from __future__ import annotations

import time

from gateway.engine.followup import BAD_LEVEL_MAX, FINAL, STATUS_CN
from gateway.reports import definitions
from gateway.reports.figures import Figures, wait_histogram
from gateway.reports.names import Names
from gateway.reports.period import BadQuery, Period, resolve
from gateway.reports.spans import SpanDays, attendance, no_attendance

__all__ = ["BadQuery", "report"]


def report(store, hall, kind: str, date: str | None = None, first: str | None = None, last: str | None = None,
           window: int | None = None, service: str | None = None, staff: str | None = None,
           now: float | None = None) -> dict:
    """The report dict; BadQuery (a ValueError) with the reason for a bad period or filter."""
    now = time.time() if now is None else now
    cal = store.cal
    period = resolve(kind, date, first, last, today=cal.service_day(now))
    _check_filters(store, hall, window, service, staff)
    f = _Filter(window, service, staff)
    with store.reading() as seq:
        out = _Build(store, hall, period, f, now).result()
    out["seq"] = seq  # the last command log record folded into it
    return out


def _check_filters(store, hall, window, service, staff) -> None:
    if window is not None and window not in {w.number for w in hall.windows} and \
            not store.query("SELECT 1 FROM visits WHERE window = ? LIMIT 1", (window,)):
        known = ", ".join(str(w.number) for w in hall.windows)
        raise BadQuery(f"unknown window {window} (the hall's windows: {known})")
    if service is not None and service not in {s.code for s in hall.services} and \
            not store.query("SELECT 1 FROM visits WHERE service = ? LIMIT 1", (service,)):
        raise BadQuery(f"unknown service {service!r} (the hall's services: "
                       f"{', '.join(s.code for s in hall.services)})")
    if staff is not None and staff not in {s.id for s in hall.staff} and \
            not store.query("SELECT 1 FROM spans WHERE staff = ? LIMIT 1", (staff,)):
        raise BadQuery(f"unknown staff member {staff!r} (staff are named by id, e.g. {hall.staff[0].id})"
                       if hall.staff else f"unknown staff member {staff!r}")


class _Filter:
    def __init__(self, window, service, staff):
        self.window, self.service, self.staff = window, service, staff
        self.any = any(x is not None for x in (window, service, staff))

    def sql(self, cols=("window", "service", "staff")) -> tuple[str, tuple]:
        parts, args = [], []
        for col in cols:
            v = getattr(self, col)
            if v is not None:
                parts.append(f" AND {col} = ?")
                args.append(v)
        return "".join(parts), tuple(args)


class _Build:
    def __init__(self, store, hall, period: Period, f: _Filter, now: float):
        self.store, self.hall, self.period, self.f, self.now = store, hall, period, f, now
        self.cal = store.cal
        self.names = Names.of(hall, store)
        self.d0, self.d1 = period.first.isoformat(), period.last.isoformat()
        self.total = Figures()
        self.days = {d.isoformat(): Figures() for d in period.dates()}
        self.groups: dict[str, dict] = {"window": {}, "service": {}, "staff": {}}
        self.hours = [{"hour": h, "issued": 0, "served": 0} for h in range(24)]
        self.waits: list[float] = []
        self._slices: dict[tuple, list[Figures]] = {}
        self._hours: dict[int, int] = {}  # (day, window, service, staff) -> the Figures it adds to

    def _of(self, day, window, service, staff) -> list[Figures]:
        key = (day, window, service, staff)
        got = self._slices.get(key)
        if got is None:
            got = self._slices[key] = self._slices_of(day, window, service, staff)
        return got

    def _slices_of(self, day, window, service, staff) -> list[Figures]:
        out = [self.total]
        if day in self.days:
            out.append(self.days[day])
        for kind, key in (("window", window), ("service", service), ("staff", staff)):
            if key is not None:
                g = self.groups[kind]
                if key not in g:
                    g[key] = Figures()
                out.append(g[key])
        return out

    def _hour(self, at: float) -> int:
        slot = int(at // 3600)  # whole hours of epoch time: one local conversion each
        got = self._hours.get(slot)
        if got is None:
            got = self._hours[slot] = self.cal.local(slot * 3600.0).hour
        return got

    def visits(self) -> set[str]:
        where, args = self.f.sql()
        rows = self.store.query("SELECT ticket, day, window, service, staff, how, case_type, wait_s, walkup_s, "
                                "service_s, handover_s, ended_at FROM visits WHERE day BETWEEN ? AND ?" + where,
                                (self.d0, self.d1, *args))
        seen = set()
        for ticket, day, win, srv, st, how, case, wait, walkup, took, handover, ended in rows:
            seen.add(ticket)
            for fig in self._of(day, win, srv, st):
                fig.visit(ticket, how, case, wait, walkup, took, handover)
            self.waits.append(wait)
            if how == "served":
                self.hours[self._hour(ended)]["served"] += 1
        return seen

    def tickets(self, called: set[str]) -> None:
        """Issued by the day and service of issue; cancelled and voided by the day they ended.
        Under a window or staff filter only the tickets called there count (none other came)."""
        narrow = self.f.window is not None or self.f.staff is not None
        where, args = self.f.sql(("service",))
        for tid, day, srv, issued_at in self.store.query(
                "SELECT id, day, service, issued_at FROM tickets WHERE day BETWEEN ? AND ?" + where,
                (self.d0, self.d1, *args)):
            if narrow and tid not in called:
                continue
            for fig in self._of(day, None, srv, None):
                fig.counts["issued"] += 1
            self.hours[self._hour(issued_at)]["issued"] += 1
        for tid, day, srv, outcome in self.store.query(
                "SELECT id, ended_day, service, outcome FROM tickets WHERE ended_day BETWEEN ? AND ? "
                "AND outcome IN ('cancelled', 'voided')" + where, (self.d0, self.d1, *args)):
            if narrow and tid not in called:
                continue
            for fig in self._of(day, None, srv, None):
                fig.counts[outcome] += 1

    def ratings(self) -> list[dict]:
        where, args = self.f.sql()
        bad = []
        n = self.names
        for (tid, number, srv, win, st, finished, rated_at, level, reasons, source, fid, day, matter, version,
             fstatus) in self.store.query(
                "SELECT r.ticket, r.number, r.service, r.window, r.staff, r.finished_at, r.rated_at, r.level, "
                "r.reasons, r.source, r.followup, r.day, r.matter, r.reasons_version, f.status FROM ratings r "
                "LEFT JOIN followups f ON f.id = r.followup WHERE r.day BETWEEN ? AND ?"
                + where.replace(" AND ", " AND r."), (self.d0, self.d1, *args)):
            for fig in self._of(day, win, srv, st):
                fig.rating(level, source)
            if level <= BAD_LEVEL_MAX:
                codes = reasons.split(",") if reasons else []
                bad.append({"ticket": tid, "number": number, "service": srv, "service_name": n.service(srv),
                            "matter": matter, "matter_name": n.matter(srv, matter), "window": win,
                            "window_name": n.window(win), "staff": st, "staff_name": n.person(st),
                            "served_at": self._iso(finished), "rated_at": self._iso(rated_at), "level": level,
                            "level_name": n.level(level), "reasons": codes,
                            "reason_texts": [n.reason(version, c) for c in codes], "reasons_version": version,
                            "source": source, "source_name": n.source(source),
                            "followup": {"id": fid, "status": fstatus,
                                         "status_name": STATUS_CN.get(fstatus, fstatus)} if fid else None})
        bad.sort(key=lambda a: (a["rated_at"] or "", a["ticket"]))
        return bad

    def idle(self, spans: SpanDays) -> None:
        if self.f.service is not None:
            return  # idle belongs to a window and its clerk, not to a service
        for day, win, st, secs in spans.overlaps("idle", opening_only=True):
            for fig in self._of(day, win, None, st):
                fig.idle_s += secs

    def alerts(self) -> list[dict]:
        where, args = self.f.sql()
        out = []
        for kind, key, win, srv, started, ended in self.store.query(
                "SELECT kind, key, window, service, started, ended FROM alerts WHERE day BETWEEN ? AND ?"
                + where + " ORDER BY started, id", (self.d0, self.d1, *args)):
            out.append({"kind": kind, "name": self.names.alert(kind, key), "key": key, "window": win,
                        "window_name": self.names.window(win), "service": srv,
                        "service_name": self.names.service(srv), "started": self._iso(started),
                        "ended": self._iso(ended), "duration_s": max(0.0, (ended if ended is not None else
                                                                          max(self.now, started)) - started)})
        return out

    def followups(self) -> dict:
        where, args = self.f.sql()
        by_status: dict[str, int] = {}
        open_n = overdue = 0
        for status, late in self.store.query(
                "SELECT status, contact_overdue + overdue FROM followups WHERE day BETWEEN ? AND ?" + where,
                (self.d0, self.d1, *args)):
            by_status[status] = by_status.get(status, 0) + 1
            if status not in FINAL:
                open_n += 1
                overdue += bool(late)
        return {"by_status": by_status, "open": open_n, "overdue": overdue}

    def _iso(self, at: float | None) -> str | None:
        return None if at is None else self.cal.local(at).isoformat(timespec="seconds")

    def _listed(self, kind: str, configured: list) -> list:
        """Every configured one unless another filter narrows the report; then those with activity."""
        chosen = getattr(self.f, kind)
        if chosen is not None:
            return [chosen]
        seen = self.groups[kind]
        if self.f.any:
            return [k for k in configured if k in seen] + sorted((k for k in seen if k not in configured), key=str)
        return list(configured) + sorted((k for k in seen if k not in configured), key=str)

    def result(self) -> dict:
        p, hall, cal = self.period, self.hall, self.cal
        called = self.visits()
        self.tickets(called)
        bad = self.ratings()
        spans = SpanDays(self.store, p, self.f, self.now)
        self.idle(spans)
        att = attendance(spans)
        g = self.groups
        n = self.names
        names = {"window": (n.windows, n.window), "service": (n.services, n.service), "staff": (n.staff, n.person)}
        for st in att:  # a clerk who only logged in (and served nobody) is in the staff table too
            g["staff"].setdefault(st, Figures())

        def section(kind: str) -> list[dict]:
            rows = []
            configured, name = names[kind]
            for key in self._listed(kind, list(configured)):
                fig = g[kind].get(key) or Figures()
                row = {kind: key, "name": name(key), **fig.to_dict(kind != "service")}
                if kind == "staff":
                    row["bad_ratings"] = [a for a in bad if a["staff"] == key]
                    row["attendance"] = att.get(key) or no_attendance()
                rows.append(row)
            return rows

        dates = p.dates()
        return {
            "hall": {"id": hall.id, "name": hall.name},
            "period": {"kind": p.kind, "from": self.d0, "to": self.d1, "label": p.label},
            "filters": {"window": self.f.window, "service": self.f.service, "staff": self.f.staff},
            "generated_at": self._iso(self.now),
            "definitions": definitions.TEXT,
            "calendar": {"days": len(dates), "working_days": sum(cal.is_working_day(d) for d in dates),
                         "holidays": [d.isoformat() for d in dates if d in hall.hours.holidays],
                         "adjusted_workdays": [d.isoformat() for d in dates if d in hall.hours.workdays]},
            "totals": self.total.to_dict(),
            "days": [{"date": d.isoformat(), "working": cal.is_working_day(d),
                      **self.days[d.isoformat()].to_dict()} for d in dates],
            "hours": self.hours,
            "wait_histogram": wait_histogram(self.waits),
            "windows": section("window"),
            "services": section("service"),
            "staff": section("staff"),
            "ratings_bad": bad,
            "alerts": self.alerts(),
            "followups": self.followups(),
        }

