"""The engine's read side (gateway/engine/reads.py): typed copies of the engine's state, the line
in the order the windows call it, and nothing a caller does with them reaches the engine."""
import dataclasses
import json

import pytest

from gateway.engine import reads
from tests.support.hallday import Driver, at

MON = (2026, 11, 23)


def busy_morning() -> Driver:
    """The county at 09:40: window 1 serving, window 11 waiting for a rating (a 差评 given on the
    first one, so a follow-up is open), tickets waiting in both lanes, one transferred to a
    clerk, an appointment booked and the province's content downloaded."""
    d = Driver(start=at(*MON, 9, 0))
    d.ok("set_content", version="P2026.2", reasons=[{"code": "21", "text": "等候时间长"},
                                                   {"code": "22", "text": "材料反复要求"}], source="province")
    d.ok("book_appointment", code="123456", service="ZH", start=at(*MON, 10), end=at(*MON, 10, 30))
    d.ok("issue_ticket", service="YB", lane="green", category="老年人", sup_code="GREEN222")
    for _ in range(3):
        d.ok("issue_ticket", service="YB")
    d.ok("issue_ticket", service="ZH", sup_code="AAAA2222")
    d.ok("issue_ticket", service="ZH")
    d.ok("login", window=11, staff_code="1021")
    d.ok("login", window=1, staff_code="1001")
    d.serve(11)  # C001
    d.ok("request_evaluation", window=11)
    d.ok("rate", window=11, prompt="E1", level=1, reasons=["21"])
    d.serve(11)  # C002
    d.ok("request_evaluation", window=11)
    d.ok("call_next", window=1)  # A001 (the oldest ZH)
    d.ok("transfer", window=1, to_staff="s003")
    d.ok("call_next", window=1)
    d.ok("start", window=1)
    return d


def test_windows_and_posts_say_who_is_where_doing_what():
    d = busy_morning()
    e = d.engine
    w1, w11, w2 = reads.window(e, 1), reads.window(e, 11), reads.window(e, 2)
    assert (w1.status, w1.staff, w1.post, w1.ticket_number) == ("serving", "s001", "A", "A002")
    assert (w11.status, w11.staff, w11.post, w11.prompt) == ("idle", "s021", "A", "E2")
    assert (w2.status, w2.staff, w2.ticket) == ("closed", None, None)
    assert [w.number for w in reads.windows(e)] == [w.number for w in e.hall.windows]
    assert reads.statuses(e)[1] == "serving" and list(reads.statuses(e).values()).count("closed") == 21
    assert reads.post_of(e, "s021") == reads.Post("s021", 11, "A") and reads.post_of(e, "s003") is None
    assert reads.login_locked_for(e, 1, d.now) == 0


def test_tickets_typed_and_as_the_api_answers_them():
    d = busy_morning()
    e = d.engine
    a1 = e.by_number["A001"]
    t = reads.ticket(e, a1)
    assert (t.number, t.service, t.state, t.outcome, t.waiting_for) == (
        "A001", "ZH", "waiting", "transferred", reads.WaitingFor("staff", "s003"))
    assert reads.ticket(e, "A001") is None  # by id only: a printed number is easy to guess
    rec = reads.ticket_record(e, "A001")  # the API looks up by number too
    assert rec["id"] == a1 and rec["waiting_for"] == {"to": "staff", "key": "s003"}
    assert "sup_code" not in rec and "queue" not in rec and len(rec["transfers"]) == 1
    assert [x.number for x in reads.transferred(e)] == ["A001"]
    assert reads.case_ticket(e, 1).number == "A002"  # the ticket it holds
    assert reads.case_ticket(e, 11).number == "C002"  # the one its open prompt is about
    c2 = reads.prompt(e, "E2").ticket
    assert reads.ticket(e, c2).number == "C002" and reads.last_served(e) == {11: c2}


def test_the_queue_line_is_the_order_a_window_of_that_service_calls():
    d = busy_morning()
    e = d.engine
    for _ in range(4):
        d.ok("issue_ticket", service="YB")
    d.ok("issue_ticket", service="YB", lane="green", category="孕妇")
    line = reads.queue_line(e, "YB")
    told = [t.number for t in line.tickets]
    assert line.waiting == len(told) == 7 and told[:3] == ["C003", "C009", "C004"]
    assert [t.number for t in line.priority] == ["C009"] and len(line.normal) == 6
    d("cancel_evaluation", window=11)  # if its prompt has not run out already
    called = [d.serve(11)["number"] for _ in told]
    assert called == told  # C009 overtakes after two normal calls: the 2 : 1 ratio, as the line said


def test_standing_counts_those_called_before_and_names_who_overtook():
    d = busy_morning()
    e = d.engine
    d.ok("issue_ticket", service="YB", lane="green", category="孕妇")  # C005, after C003 and C004
    c4 = e.by_number["C004"]
    # window 11 has made one normal call since its green one: C003, then C005 is due (2 : 1), then C004
    assert reads.standing(e, c4) == reads.Standing(ahead=2, later_priority=1, later_transferred=0)
    assert reads.ahead(e, c4) == 2 and reads.ahead(e, e.by_number["C003"]) == 0
    assert reads.standing(e, e.by_number["A002"]) == reads.Standing()  # being served: nobody ahead
    # transferred to a clerk who is not logged in: the clerk's own transfers, in order
    assert reads.standing(e, e.by_number["A001"]).ahead == 0
    d("cancel_evaluation", window=11)  # if its prompt has not run out already
    assert [d.serve(11)["number"] for _ in range(3)] == ["C003", "C005", "C004"]


def test_the_days_figures_evaluation_and_follow_ups():
    d = busy_morning()
    e = d.engine
    s = reads.day_stats(e)
    assert (s.issued, s.served, s.called) == (6, 2, 4)
    assert s.avg_wait_s == pytest.approx(s.wait_s / 4) and s.levels == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0}
    assert reads.mean_service_s(e, "YB") == 10.0 and reads.mean_service_s(e, "SB") is None
    report = reads.stats_report(e, d.now)
    assert report["volume"]["served"] == 2 and report["window"]["11"]["served"] == 2
    p = reads.prompt(e, "E2")
    assert (p.window, p.number, p.staff) == (11, "C002", "s021") and reads.prompt(e, "E1") is None
    c = reads.content(e)
    assert (c.version, c.source, c.versions) == ("P2026.2", "province", ("P2026.1", "P2026.2"))
    assert c.texts() == {"21": "等候时间长", "22": "材料反复要求"}
    (f,) = reads.followups(e)
    assert (f["number"], f["level"], f["reasons"], f["status"]) == ("C001", 1, ["21"], "pending")
    assert reads.followup(e, f["id"]) == f and reads.followups(e, final=True) == []
    assert reads.followups(e, status="pending", overdue=False) == [f]
    assert reads.alerts(e) == [] and reads.alert(e, "part_fault:audio") is None
    d.ok("part_fault", part="audio", active=True, cause="no_card")
    assert reads.alert(e, "part_fault:audio")["cause"] == "no_card"


def test_supplementary_codes_and_appointments():
    d = busy_morning()
    e = d.engine
    c1 = next(t["id"] for t in e.tickets.values() if t["number"] == "C001")
    entry = reads.supplementary(e, "GREEN222")
    assert (entry.ticket, entry.number, entry.window, entry.rated, entry.level) == (c1, "C001", 11, "evaluator", 1)
    assert reads.supplementary(e, "NONE2222") is None and reads.supplementary(e, None) is None
    assert not reads.rated_by_code(e, c1)
    a1, a2 = e.by_number["A001"], e.by_number["A002"]
    assert reads.holds_code(e, a1, "AAAA2222")
    assert not reads.holds_code(e, a1, "AAAA2223") and not reads.holds_code(e, a1, None)
    assert not reads.holds_code(e, a2, "AAAA2222")  # A002 was taken without a code
    appt = reads.appointment_today(e, "123456")
    assert appt["state"] == "booked" and reads.appointment(e, appt["id"]) == appt
    assert reads.appointments(e) == [appt] and reads.appointments(e, "2026-11-24") == []
    opens, closes = reads.check_in_span(e, appt)
    assert opens < appt["start"] < appt["end"] < closes
    assert reads.relays(e) == [] and reads.day(e) == "2026-11-23" and reads.waiting(e)["YB"] == 2


def _scribble(x):
    """Change everything that can be changed in what a read returned."""
    if isinstance(x, dict):
        for k in list(x):
            _scribble(x[k])
            x[k] = "scribbled"
        x["new"] = 1
    elif isinstance(x, list):
        for v in x:
            _scribble(v)
        x.append("scribbled")
    elif dataclasses.is_dataclass(x):
        field = dataclasses.fields(x)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(x, field, "scribbled")
        for f in dataclasses.fields(x):
            _scribble(getattr(x, f.name))
    elif isinstance(x, tuple):
        for v in x:
            _scribble(v)


def test_what_the_reads_return_are_copies_a_caller_cannot_change_the_engine_through():
    d = busy_morning()
    d.ok("part_fault", part="audio", active=True, cause="no_card")
    e = d.engine
    before = json.dumps(e.snapshot(), sort_keys=True)
    a1, c3 = e.by_number["A001"], e.by_number["C003"]
    fid = reads.followups(e)[0]["id"]
    appt = reads.appointment_today(e, "123456")
    got = [reads.window(e, 1), reads.windows(e), reads.statuses(e), reads.post_of(e, "s001"), reads.last_served(e),
           reads.ticket(e, a1), reads.ticket_record(e, a1), reads.case_ticket(e, 1), reads.transferred(e),
           reads.longest_waiting(e), reads.waiting(e), reads.queue_line(e, "YB"), reads.standing(e, c3),
           reads.prompt(e, "E2"), reads.supplementary(e, "GREEN222"), reads.content(e), reads.followups(e),
           reads.followup(e, fid), reads.day_stats(e), reads.stats_report(e, d.now), reads.alerts(e),
           reads.alert(e, "part_fault:audio"), reads.appointment(e, appt["id"]), reads.appointments(e),
           reads.relays(e), appt]
    for x in got:
        _scribble(x)
    assert json.dumps(e.snapshot(), sort_keys=True) == before
