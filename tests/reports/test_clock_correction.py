"""The reports and a step of the hall clock: the Pi ran Monday on a good clock, lost its power, and
booted on Tuesday morning on the time it saved on Monday; an empty post (空岗) opened in those
minutes, then NTP stepped the clock. Monday's report keeps Monday and gains no 17 hours of 空岗;
Tuesday's has the minutes that were Tuesday's, on their corrected times. The log is not rewritten:
the reporting store applies the step it logged, the same whether it folds as the day goes or is
rebuilt from the log afterwards."""
import pytest

from gateway.clock.hall_clock import HallClock
from gateway.clock.watch import Watch
from gateway.reports.report import report
from gateway.reports.store import ReportStore
from gateway.runtime import DB_NAME, Runtime
from tests.clock.fakes import SYNCED, UNSYNCED, PiClock, Probe
from tests.support.hallday import at, hall

MON_0900, MON_1640 = at(2026, 11, 23, 9, 0), at(2026, 11, 23, 16, 40)
TUE_1005 = at(2026, 11, 24, 10, 5)


def run_gateway(data, pi, reading, boot):
    rt = Runtime(hall(), data)
    clock = HallClock(pi.base, pi.boot)
    probe = Probe(reading)
    watch = Watch(rt, clock, probe, boot=boot)
    watch.start()
    watch.stop()
    return rt, clock, probe, watch


def test_an_empty_post_across_a_step_is_tuesdays_minutes_not_mondays_night(tmp_path):
    data = tmp_path / "store"
    pi = PiClock(MON_0900)
    rt, clock, _, _ = run_gateway(data, pi, SYNCED, "monday")

    def do(type, after=10, **kw):
        pi.run(after)
        out = rt.submit({"type": type, "at": clock(), **kw})
        assert out.ok, out.refusal
        return out
    do("login", window=1, staff_code="1001")
    do("issue_ticket", service="ZH")
    do("call_next", window=1)
    do("start", window=1)
    do("finish", window=1)
    do("logout", window=1)
    rt.close()
    # Tuesday 09:50: the Pi boots on Monday 16:40, the time it saved
    pi = PiClock(MON_1640)
    rt, clock, probe, watch = run_gateway(data, pi, UNSYNCED, "tuesday")
    incremental = ReportStore.opened(tmp_path / "inc.db", rt.hall, data / DB_NAME)[0]
    do("login", window=2, staff_code="1003")
    do("issue_ticket", service="ZH")  # A002: Monday's numbering goes on
    do("pause", window=2, reason=rt.hall.queue.pause_reasons[0])
    do("tick", after=11 * 60)
    assert rt.read(lambda e: "empty_post:2" in e.alerts)
    raised = clock()
    pi.run(120)
    incremental.catch_up(data / DB_NAME)  # folded on the wrong clock as the minutes went
    pi.step(TUE_1005 - pi.wall)
    probe.reading = SYNCED
    step = watch.check()["step"]
    do("tick")
    incremental.catch_up(data / DB_NAME)
    rebuilt = ReportStore.rebuilt(tmp_path / "rebuilt.db", rt.hall, data / DB_NAME)
    assert incremental.dump() == rebuilt.dump()

    now = clock()
    monday = report(rebuilt, rt.hall, "day", "2026-11-23", now=now)
    tuesday = report(rebuilt, rt.hall, "day", "2026-11-24", now=now)
    # today's code: window 2's 空岗 runs 17.4 hours "across the night" in Monday's report
    assert [a for a in monday["alerts"] if a["started"] > "2026-11-23T16"] == []
    # the one open across the step ended at it, two minutes long; the post still empty on the
    # corrected clock is a new one from the step's tick on
    before, after = [a for a in tuesday["alerts"] if a["key"] == "empty_post:2"]
    assert (before["kind"], after["kind"]) == ("empty_post", "empty_post")
    assert before["duration_s"] == pytest.approx(120.0, abs=1) and before["started"] == _iso(raised + step)
    assert after["started"] == _iso(now) and after["ended"] is None
    assert (monday["totals"]["issued"], tuesday["totals"]["issued"]) == (1, 1)
    # the ticket of Tuesday morning is Tuesday's, issued at its corrected time; the log keeps Monday's
    row = rebuilt.query("SELECT day, issued_at FROM tickets WHERE number = 'A002'")[0]
    logged = next(e["at"] for r in rt.store.records_after(0) for e in r["outcome"]["events"]
                  if e["type"] == "ticket_issued" and e["number"] == "A002")
    assert row == ("2026-11-24", pytest.approx(logged + step)) and logged < TUE_1005 - 3600
    # Tuesday's window 2: its session and pause begin on Tuesday, not on Monday evening
    days = {k: d for k, d in rebuilt.query("SELECT kind, day FROM spans WHERE window = 2")}
    assert days == {"session": "2026-11-24", "idle": "2026-11-24", "paused": "2026-11-24"}
    incremental.close()
    rebuilt.close()
    rt.close()


def _iso(t: float) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo
    return dt.datetime.fromtimestamp(t, ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
