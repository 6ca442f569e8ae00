"""The clock's watch over a real runtime and store: a Pi booted on Monday's saved time on a
Tuesday morning, NTP stepping it while citizens wait; the floor when the saved time is behind
the log; a step while the gateway was stopped; a supervisor's setting."""
import pytest

from gateway.clock.hall_clock import HallClock
from gateway.clock.watch import Refused, Watch
from gateway.engine import reads
from gateway.runtime import Runtime
from tests.clock.fakes import SYNCED, UNSYNCED, PiClock, Probe
from tests.support.hallday import at, hall

MON_1640 = at(2026, 11, 23, 16, 40)
TUE_1005 = at(2026, 11, 24, 10, 5)


def gateway(tmp_path, pi: PiClock, reading=UNSYNCED, boot="boot-1"):
    """`hallgw run` on the store in tmp_path, as far as the clock goes: (runtime, clock, probe, watch)."""
    rt = Runtime(hall(), tmp_path)
    clock = HallClock(pi.base, pi.boot)
    probe = Probe(reading)
    watch = Watch(rt, clock, probe, boot=boot)
    watch.start()
    watch.stop()  # the loop's thread is not needed: the tests call check() as it would
    return rt, clock, probe, watch


def started(tmp_path, wall: float, reading=UNSYNCED, boot="boot-1"):
    pi = PiClock(wall)
    return (pi, *gateway(tmp_path, pi, reading, boot))


def test_an_ntp_step_with_waiting_tickets(tmp_path):
    pi, rt, clock, probe, watch = started(tmp_path, MON_1640)
    for _ in range(3):
        pi.run(60)
        assert rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"}).ok
    pi.run(30)
    assert rt.submit({"type": "login", "at": clock(), "window": 1, "staff_code": "1001"}).ok
    assert rt.submit({"type": "call_next", "at": clock(), "window": 1}).result["number"] == "A001"
    pi.run(30)
    pi.step(TUE_1005 - pi.wall)  # NTP steps the Pi's clock to Tuesday 10:05
    # The ticker ticks before the watch has looked: stamped on the old clock, it ends no day.
    out = rt.submit({"type": "tick", "at": clock()})
    assert not [e for e in out.events if e["type"] in ("ticket_reset", "day_started")]
    probe.reading = SYNCED
    fact = watch.check()
    assert fact["cause"] == "sync" and fact["step"] == pytest.approx(TUE_1005 - (MON_1640 + 240))
    assert abs(clock() - TUE_1005) < 1e-6  # the hall clock is on the corrected time now
    pi.run(60)
    out = rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"})
    assert out.result["number"] == "A004" and out.result["day"] == "2026-11-24"

    def picture(eng):
        return (reads.day(eng), reads.window(eng, 1).ticket_number, [t.number for t in reads.queue_line(eng, "ZH").tickets],
                reads.clock(eng).synced)
    seen = rt.read(picture)
    assert seen == ("2026-11-24", "A001", ["A002", "A003", "A004"], True)
    numbers = [e["number"] for r in rt.store.records_after(0) for e in r["outcome"]["events"]
               if e["type"] == "ticket_issued"]
    assert numbers == ["A001", "A002", "A003", "A004"]  # no number issued twice
    rt.close()
    again = Runtime(hall(), tmp_path)  # the log alone carries it: replayed, the same hall
    assert again.read(picture) == seen
    again.close()


def test_a_saved_time_behind_the_log_is_raised_to_go_on_from_it(tmp_path):
    pi, rt, clock, probe, watch = started(tmp_path, MON_1640, boot="boot-1")
    pi.run(600)
    assert rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"}).ok
    last = rt.last_at
    rt.close()
    # A power cut; fake-hwclock had saved the time an hour earlier: the Pi boots behind the log.
    pi2 = PiClock(MON_1640 - 3000)
    rt, clock, _, _ = gateway(tmp_path, pi2, UNSYNCED, "boot-2")
    c = rt.read(reads.clock)
    assert (c.cause, c.confirmed, c.boot) == ("floor", False, "boot-2")
    assert clock() == pytest.approx(last + 1.0)  # on from the log, not an hour back nor standing still
    pi2.run(30)
    out = rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"})
    assert out.ok and out.result["issued_at"] == pytest.approx(last + 31.0)
    rt.close()


def test_a_step_while_the_gateway_was_stopped_is_logged_at_start(tmp_path):
    pi, rt, clock, probe, watch = started(tmp_path, MON_1640, boot="boot-1")
    pi.run(60)
    assert rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"}).ok
    rt.close()
    pi.run(60)
    pi.step(TUE_1005 - pi.wall)  # NTP stepped it while the gateway restarted (same boot)
    rt, clock, _, _ = gateway(tmp_path, pi, SYNCED, "boot-1")
    c = rt.read(reads.clock)
    assert (c.synced, c.cause, c.steps) == (True, "sync", 1)
    assert c.last_step["step"] == pytest.approx(TUE_1005 - (MON_1640 + 120))
    t = rt.read(lambda e: reads.ticket_record(e, "A001"))
    assert t["state"] == "waiting" and t["day"] == "2026-11-24"
    rt.close()


def test_a_supervisor_sets_the_clock_and_ntp_later_takes_it_over(tmp_path):
    pi, rt, clock, probe, watch = started(tmp_path, MON_1640)
    pi.run(60)
    assert rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"}).ok
    fact = watch.set_by(TUE_1005, "s010")  # the browser says Tuesday 10:05
    assert fact["cause"] == "supervisor" and fact["offset"] == pytest.approx(TUE_1005 - pi.wall)
    assert clock() == pytest.approx(TUE_1005)
    c = rt.read(reads.clock)
    assert (c.synced, c.confirmed, c.by) == (False, True, "s010")
    # NTP arrives 30 s later and finds the browser 2 s slow: the offset goes, 2 s are corrected
    pi.run(30)
    pi.step(TUE_1005 + 32 - pi.wall)
    probe.reading = SYNCED
    fact = watch.check()
    assert (fact["cause"], fact["offset"]) == ("sync", 0.0) and fact["step"] == pytest.approx(2.0)
    assert clock() == pytest.approx(TUE_1005 + 32)
    with pytest.raises(Refused) as no:
        watch.set_by(TUE_1005, "s010")
    assert no.value.status == 409 and "已与网络" in no.value.chinese
    rt.close()


def test_a_browser_clock_that_is_no_clock_is_refused(tmp_path):
    _, rt, _, _, watch = started(tmp_path, MON_1640)
    with pytest.raises(Refused) as no:
        watch.set_by(86400.0, None)  # 1970-01-02
    assert no.value.status == 422
    assert rt.read(reads.clock).cause == "start"
    rt.close()


def test_a_gateway_restarted_on_the_same_boot_logs_nothing_new(tmp_path):
    pi, rt, clock, probe, watch = started(tmp_path, MON_1640)
    seq = rt.store.seq
    rt.close()
    pi.run(30)
    rt, _, _, _ = gateway(tmp_path, pi, UNSYNCED, "boot-1")
    assert rt.store.seq == seq  # still unsynchronized, the same boot, no step: no fact to add
    rt.close()
