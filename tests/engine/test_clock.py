"""The hall's clock in the engine (gateway/engine/clock.py): a Pi booted on the time it saved at
shutdown, then stepped by NTP (or set by a supervisor). The step corrects what the stretch before
it stamped and does not end the morning; a hall booted after its closing time on yesterday's
clock still issues tickets; the queue's and the posts' alerts end at a step and at closing."""
from gateway.engine import Engine, reads
from tests.support.hallday import at, hall

MON_1640 = at(2026, 11, 23, 16, 40)  # the time the Pi saved at Monday's shutdown
TUE_1005 = at(2026, 11, 24, 10, 5)  # the real time, Tuesday morning
MON_1730 = at(2026, 11, 23, 17, 30)


class Hall:
    """One engine fed commands at explicit times."""

    def __init__(self, h=None):
        self.e = Engine(h or hall())
        self.events = []

    def __call__(self, type, at, **kw):
        out = self.e.handle({"type": type, "at": at, **kw})
        self.events += out.events
        return out

    def clock(self, at, synced, cause, step=0.0, offset=0.0, boot="b1", **kw):
        out = self("clock", at, synced=synced, cause=cause, step=step, offset=offset, boot=boot, **kw)
        assert out.ok, out.refusal
        return out

    def ticket(self, ref):
        return self.e.tickets.get(ref) or self.e.tickets.get(self.e.by_number.get(ref, ""))


def booted_monday_evening(t: Hall, start=MON_1640):
    """The Pi boots on Monday's saved time (unsynchronized) on Tuesday morning; three citizens
    take A001-A003 in its first minutes and window 1 calls the first."""
    t.clock(start, False, "start")
    for i in range(3):
        out = t("issue_ticket", start + 60 * (i + 1), service="ZH")
        assert out.ok, out.refusal
        assert out.result["number"] == f"A00{i + 1}"
    assert t("login", start + 200, window=1, staff_code="1001").ok
    assert t("call_next", start + 210, window=1).result["number"] == "A001"


def test_an_ntp_step_does_not_end_the_morning():
    t = Hall()
    booted_monday_evening(t)
    before = {n: t.ticket(n)["issued_at"] for n in ("A001", "A002", "A003")}
    step = TUE_1005 - (MON_1640 + 300)
    out = t.clock(TUE_1005, True, "sync", step=step)
    ev = out.events[0]
    assert ev["type"] == "clock_changed" and ev["corrected"] == {"since": MON_1640, "step": step}
    assert not [e for e in out.events if e["type"] == "ticket_reset"]  # nobody loses their place
    assert t.e.day == "2026-11-24"
    # the called ticket stays at its window, the others wait in their order, all with their numbers
    w = reads.window(t.e, 1)
    assert (w.status, w.ticket_number) == ("calling", "A001")
    line = [x.number for x in reads.queue_line(t.e, "ZH").tickets]
    assert line == ["A002", "A003"]
    for n in ("A001", "A002", "A003"):
        tk = t.ticket(n)
        assert tk["day"] == "2026-11-24" and tk["issued_at"] == before[n] + step  # on the corrected clock
    # the citizens still find their tickets by number, and numbering goes on after them
    assert t("issue_ticket", TUE_1005 + 60, service="ZH").result["number"] == "A004"
    assert t("call_next", TUE_1005 + 70, window=1).ok is False  # still calling A001: nothing lost
    assert t("start", TUE_1005 + 80, window=1).result["number"] == "A001"
    assert t("finish", TUE_1005 + 90, window=1).ok
    assert t("call_next", TUE_1005 + 100, window=1).result["number"] == "A002"
    numbers = [e["number"] for e in t.events if e["type"] == "ticket_issued"]
    assert len(numbers) == len(set(numbers)) == 4  # no number given twice
    # the wait of A002 is the real one: from its corrected issue to the call, minutes not a night
    assert t.ticket("A002")["waited_s"] < 3600


def test_booted_after_closing_on_yesterdays_clock_the_hall_still_issues_tickets():
    t = Hall()
    t.clock(MON_1730, False, "start")  # Monday 17:30 by the saved clock: closed by the hours
    out = t("issue_ticket", MON_1730 + 60, service="ZH")
    assert out.ok, out.refusal  # today's code: "the hall is closed", for every citizen, all morning
    assert reads.clock(t.e).confirmed is False
    # a supervisor sets the clock from their browser: confirmed, the ticket moves to today
    step = TUE_1005 - (MON_1730 + 120)
    t.clock(TUE_1005, False, "supervisor", step=step, offset=step, by="s010")
    c = reads.clock(t.e)
    assert (c.synced, c.confirmed, c.by, c.offset) == (False, True, "s010", step)
    assert t.ticket("A001")["day"] == "2026-11-24" and t.ticket("A001")["state"] == "waiting"
    # the hours count again on a clock that is believed: after closing, no ticket
    assert t("issue_ticket", at(2026, 11, 24, 17, 30), service="ZH").refusal.startswith("the hall is closed")


def test_a_synchronized_clock_keeps_the_hours():
    t = Hall()
    t.clock(MON_1730, True, "start", via="timesyncd")
    assert t("issue_ticket", MON_1730 + 60, service="ZH").refusal.startswith("the hall is closed")


def test_an_empty_post_open_across_a_step_ends_at_the_step():
    t = Hall()
    t.clock(at(2026, 11, 23, 15, 0), False, "start")
    assert t("login", at(2026, 11, 23, 15, 1), window=2, staff_code="1003").ok
    assert t("pause", at(2026, 11, 23, 15, 2), window=2, reason=t.e.hall.queue.pause_reasons[0]).ok
    t("tick", at(2026, 11, 23, 15, 20))
    assert "empty_post:2" in t.e.alerts
    raised = t.e.alerts["empty_post:2"]["at"]
    step = at(2026, 11, 24, 9, 40) - at(2026, 11, 23, 15, 21)
    out = t.clock(at(2026, 11, 24, 9, 40), True, "sync", step=step)
    ended = [e for e in out.events if e["type"] == "alert" and e["key"] == "empty_post:2"]
    assert [e["active"] for e in ended] == [False] and ended[0]["at"] == at(2026, 11, 24, 9, 40)
    assert raised + step == at(2026, 11, 24, 9, 40) - 60  # it began a minute before the step, corrected


def test_alerts_end_at_closing_time_even_when_the_next_command_is_the_next_morning():
    t = Hall()
    assert t("login", at(2026, 11, 23, 16, 30), window=2, staff_code="1003").ok
    assert t("pause", at(2026, 11, 23, 16, 31), window=2, reason=t.e.hall.queue.pause_reasons[0]).ok
    t("tick", at(2026, 11, 23, 16, 45))
    assert "empty_post:2" in t.e.alerts
    out = t("tick", at(2026, 11, 24, 8, 0))  # the gateway was off overnight
    ended = [e for e in out.events if e["type"] == "alert" and e["key"] == "empty_post:2"]
    assert ended[0]["at"] == at(2026, 11, 23, 17, 0)  # closing time, not the next morning
    t("tick", at(2026, 11, 23, 17, 0) + 1)  # and a tick at night raises nothing
    assert not [k for k in t.e.alerts if k.split(":")[0] in ("empty_post", "tidal", "max_wait")]


def test_a_step_back_moves_the_day_back_and_keeps_the_tickets():
    t = Hall()
    wed = at(2026, 11, 25, 9, 0)  # an RTC a day ahead
    t.clock(wed, False, "start")
    assert t("issue_ticket", wed + 60, service="ZH").result["day"] == "2026-11-25"
    step = -86400.0
    t.clock(wed + 120 + step, True, "sync", step=step)
    tk = t.ticket("A001")
    assert (t.e.day, tk["day"], tk["issued_at"], tk["state"]) == ("2026-11-24", "2026-11-24", wed + 60 + step, "waiting")
    assert t("issue_ticket", wed + 180 + step, service="ZH").result["number"] == "A002"


def test_a_new_boot_starts_a_new_stretch_and_what_the_old_one_stamped_stays():
    t = Hall()
    t.clock(MON_1640, False, "start", boot="b1")
    t("issue_ticket", MON_1640 + 60, service="ZH")
    t.clock(MON_1640 + 600, False, "start", boot="b2")  # rebooted, still no NTP
    before = t.ticket("A001")["issued_at"]
    t.clock(TUE_1005, True, "sync", step=TUE_1005 - (MON_1640 + 700), boot="b2")
    a001 = t.ticket("A001")
    assert a001["issued_at"] == before  # the step is b2's clock's, not b1's
    assert (a001["state"], a001["day"]) == ("waiting", "2026-11-24")  # and its citizen keeps the place


def test_the_clock_state_survives_a_snapshot():
    t = Hall()
    booted_monday_evening(t)
    snap = t.e.snapshot()
    again = Engine.restore(t.e.hall, snap)
    assert reads.clock(again) == reads.clock(t.e)
    assert again.snapshot() == snap


def test_records_stamped_on_an_unconfirmed_clock_say_so():
    t = Hall()
    booted_monday_evening(t)
    assert t("start", MON_1640 + 220, window=1).ok
    assert t("finish", MON_1640 + 230, window=1).ok
    assert t("request_evaluation", MON_1640 + 231, window=1).ok
    prompt = t.e.windows[1]["prompt"]
    out = t("rate", MON_1640 + 240, window=1, prompt=prompt, level=5)
    rec = [e for e in out.events if e["type"] == "rating_recorded"][0]
    assert rec["clock"] == "unconfirmed"


def test_a_clock_fact_of_the_wrong_shape_is_refused():
    t = Hall()
    out = t("clock", MON_1640, synced=False, cause="guess")
    assert not out.ok and "cause must be one of" in out.refusal
    assert not t("clock", MON_1640, synced=False, cause="jump", step=1e12).ok
