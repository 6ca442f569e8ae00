"""The report's figures against an independent count over the raw command log: written here,
from the engine's events alone, without the reporting store's fold, rows or figures code."""
import datetime as dt
import math
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest

from gateway.reports.report import report
from gateway.reports.store import ReportStore

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 10, 20, tzinfo=TZ).timestamp()


def day(at: float) -> str:
    return dt.datetime.fromtimestamp(at, TZ).date().isoformat()  # county: service days begin at 00:00


def nearest_rank(values, q):
    v = sorted(values)
    return round(v[math.ceil(q * len(v)) - 1], 1)


def raw_count(log_records, first: str, last: str) -> dict:
    """Counts of the period [first, last] straight from the events."""
    inside = lambda d: first <= d <= last  # noqa: E731
    c = Counter()
    by_window, by_staff = defaultdict(Counter), defaultdict(Counter)
    levels_by_staff = defaultdict(Counter)
    bad, waits, service, cases, alerts, followups = [], [], [], Counter(), Counter(), {}
    ready, started, logins = {}, {}, Counter()
    at_window = {}
    for rec in log_records:
        for e in rec["outcome"]["events"]:
            t, at = e["type"], e["at"]
            if t == "ticket_issued":
                ready[e["id"]] = at
                if inside(e["ticket"]["day"]):
                    c["issued"] += 1
            elif t == "ticket_transferred":
                ready[e["ticket"]] = at
                if inside(day(at)):
                    c["transferred"] += 1
                    by_window[e["window"]]["transferred"] += 1
            elif t == "ticket_called" and e["recall"] == 0:
                if inside(day(at)):
                    c["called"] += 1
                    waits.append(at - ready[e["ticket"]])
            elif t == "ticket_started":
                started[e["ticket"]] = at
            elif t == "ticket_finished" and inside(day(at)):
                c["served"] += 1
                by_window[e["window"]]["served"] += 1
                by_staff[e["staff"]]["served"] += 1
                cases[e["case_type"]] += 1
                service.append(at - started[e["ticket"]])
            elif t == "ticket_no_show" and inside(day(at)):
                c["no_show"] += 1
            elif t in ("ticket_cancelled", "ticket_voided") and inside(day(at)):
                c[t.removeprefix("ticket_")] += 1
            elif t == "rating_recorded" and inside(e["day"]):
                c["rated"] += 1
                levels_by_staff[e["staff"]][e["level"]] += 1
                if e["level"] <= 2:
                    bad.append((e["ticket"], e["window"], e["staff"], e["level"]))
            elif t == "alert" and e["active"] and inside(day(at)):
                alerts[e["kind"]] += 1
            elif t == "followup_created" and inside(day(at)):
                followups[e["id"]] = e["status"]
            elif t == "followup_changed" and e["id"] in followups:
                followups[e["id"]] = e["status"]
            elif t == "window_changed":
                if e["staff"] and at_window.get(e["window"]) is None and inside(day(at)):
                    logins[e["staff"]] += 1
                at_window[e["window"]] = e["staff"]
    return {"c": c, "by_window": by_window, "by_staff": by_staff, "levels_by_staff": levels_by_staff,
            "bad": sorted(bad), "waits": waits, "service": service, "cases": cases, "alerts": alerts,
            "followups": followups, "logins": logins}


@pytest.fixture(scope="module")
def store(fortnight, county, tmp_path_factory):
    data, _ = fortnight
    s = ReportStore.rebuilt(tmp_path_factory.mktemp("figures") / "reports.db", county, data / "hall.db")
    yield s
    s.close()


@pytest.mark.parametrize("kind,date,first,last", [
    ("week", "2026-09-30", "2026-09-28", "2026-10-04"),
    ("day", "2026-10-10", "2026-10-10", "2026-10-10"),
    ("range", None, "2026-09-28", "2026-10-11"),
])
def test_figures_match_a_count_over_the_raw_log(store, county, log_records, kind, date, first, last):
    if kind == "range":
        r = report(store, county, kind, first=first, last=last, now=NOW)
    else:
        r = report(store, county, kind, date, now=NOW)
    raw = raw_count(log_records, first, last)
    tot, c = r["totals"], raw["c"]
    assert (r["period"]["from"], r["period"]["to"]) == (first, last)
    assert c["served"] > 0
    for k in ("issued", "called", "served", "no_show", "transferred", "cancelled", "voided"):
        assert tot[k] == c[k], k
    assert tot["ratings"]["rated"] == c["rated"]
    assert tot["cases"] == {k: raw["cases"][k] for k in tot["cases"]}
    assert tot["wait_s"]["n"] == len(raw["waits"])
    assert tot["wait_s"]["p50"] == nearest_rank(raw["waits"], 0.5)
    assert tot["wait_s"]["p90"] == nearest_rank(raw["waits"], 0.9)
    assert tot["service_s"]["max"] == round(max(raw["service"]), 1)
    assert sum(h["count"] for h in r["wait_histogram"]) == len(raw["waits"])
    assert sum(h["served"] for h in r["hours"]) == c["served"]
    assert sum(d["served"] for d in r["days"]) == c["served"]
    # Windows and staff: every finished service at exactly one of each.
    for w in r["windows"]:
        assert w["served"] == raw["by_window"][w["window"]]["served"], w["window"]
        assert w["transferred"] == raw["by_window"][w["window"]]["transferred"], w["window"]
    for s in r["staff"]:
        assert s["served"] == raw["by_staff"][s["staff"]]["served"], s["staff"]
        assert s["ratings"]["levels"] == {str(lv): raw["levels_by_staff"][s["staff"]][lv] for lv in range(1, 6)}
        assert s["attendance"]["logins"] == raw["logins"][s["staff"]], s["staff"]
    # Every 差评 attributed to its ticket, window and staff member, and listed under that member.
    assert sorted((a["ticket"], a["window"], a["staff"], a["level"]) for a in r["ratings_bad"]) == raw["bad"]
    for a in r["ratings_bad"]:
        mine = next(s for s in r["staff"] if s["staff"] == a["staff"])
        assert a in mine["bad_ratings"]
    rated = sum(raw["levels_by_staff"][s][lv] for s in raw["levels_by_staff"] for lv in range(1, 6))
    happy = sum(raw["levels_by_staff"][s][lv] for s in raw["levels_by_staff"] for lv in (3, 4, 5))
    assert tot["ratings"]["satisfaction_rate"] == (happy / rated if rated else None)
    assert Counter(a["kind"] for a in r["alerts"]) == raw["alerts"]
    assert r["followups"]["open"] == sum(s not in ("rectified", "invalid", "unfixable")
                                         for s in raw["followups"].values())
    assert sum(r["followups"]["by_status"].values()) == len(raw["followups"])


def test_filters_narrow_every_section(store, county, log_records):
    whole = report(store, county, "week", "2026-09-30", now=NOW)
    served = 0
    for w in whole["windows"]:
        one = report(store, county, "week", "2026-09-30", window=w["window"], now=NOW)
        assert one["totals"]["served"] == w["served"]
        assert [x["window"] for x in one["windows"]] == [w["window"]]
        assert all(a["window"] == w["window"] for a in one["ratings_bad"])
        served += one["totals"]["served"]
    assert served == whole["totals"]["served"]
    staff = next(s for s in whole["staff"] if s["served"])
    mine = report(store, county, "week", "2026-09-30", staff=staff["staff"], now=NOW)
    assert mine["totals"]["served"] == staff["served"]
    assert mine["totals"]["ratings"] == staff["ratings"]
    svc = report(store, county, "week", "2026-09-30", service="SB", now=NOW)
    assert svc["totals"]["served"] == next(s for s in whole["services"] if s["service"] == "SB")["served"]
    assert svc["totals"]["idle_s"] == 0  # idle time belongs to no service


def test_a_week_with_holidays_and_a_workday_swapped_in(store, county):
    """National Day week 2026-10-05..11: three holidays (Mon-Wed), and Saturday 10-10 worked (调休)."""
    r = report(store, county, "week", "2026-10-09", now=NOW)
    assert r["period"]["label"] == "2026年10月5日至10月11日（2026年第41周）"
    cal = r["calendar"]
    assert cal == {"days": 7, "working_days": 3, "holidays": ["2026-10-05", "2026-10-06", "2026-10-07"],
                   "adjusted_workdays": ["2026-10-10"]}
    days = {d["date"]: d for d in r["days"]}
    assert [d for d, x in days.items() if x["working"]] == ["2026-10-08", "2026-10-09", "2026-10-10"]
    for h in ("2026-10-05", "2026-10-06", "2026-10-07", "2026-10-11"):
        assert days[h]["issued"] == 0 and days[h]["served"] == 0  # the hall was shut
    assert days["2026-10-10"]["served"] > 0  # the 调休 Saturday was a full working day
    assert r["totals"]["served"] == sum(d["served"] for d in r["days"])
    # Attendance counts the days present: nobody on the holidays.
    assert max(s["attendance"]["days_present"] for s in r["staff"]) == 3  # a session left open overnight counts no holiday
