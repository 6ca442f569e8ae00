"""The queue engine's rules, one behaviour per test, on the example halls."""
import datetime as dt
import json

from gateway.engine import Engine
from tests.support.hallday import MONDAY_9, Driver, at, hall


def issue(d, n, service="ZH", lane="normal"):
    return [d.ok("issue_ticket", service=service, lane=lane)["number"] for _ in range(n)]


def test_numbers_per_service_with_prefix_and_unique_ids():
    d = Driver()
    assert issue(d, 3) == ["A001", "A002", "A003"]
    assert issue(d, 1, "SB") == ["B001"]
    ids = [t["id"] for t in d.engine.tickets.values()]
    assert len(set(ids)) == 4 and ids[0] == "2026-11-23-A001"


def test_interleave_two_normal_then_one_priority_and_no_sinking():
    d = Driver()
    issue(d, 6)
    issue(d, 2, lane="green")
    d.ok("book_appointment", code="123456", service="ZH", start=at(2026, 11, 23, 9), end=at(2026, 11, 23, 10))
    d.ok("issue_ticket", service="ZH", lane="appointment", appointment_code="123456")
    d.ok("login", window=1, staff_code="1001")
    called = [d.serve(1)["number"] for _ in range(9)]
    # green A007, A008 and appointment A009 share the priority lane, FIFO among them.
    assert called == ["A001", "A002", "A007", "A003", "A004", "A008", "A005", "A006", "A009"]


def test_priority_never_waits_behind_a_later_normal_nor_starves_one():
    d = Driver()
    issue(d, 3, lane="green")
    issue(d, 1)
    issue(d, 2, lane="green")
    d.ok("login", window=1, staff_code="1001")
    called = [d.serve(1)["number"] for _ in range(6)]
    # the three greens taken before A004 go before it; the two after it wait their turn by the ratio
    assert called == ["A001", "A002", "A003", "A004", "A005", "A006"]
    issue(d, 1)
    issue(d, 3, lane="green")
    issue(d, 3)
    called = [d.serve(1)["number"] for _ in range(7)]
    assert called == ["A007", "A008", "A009", "A010", "A011", "A012", "A013"]


def test_window_preference_order_and_dedicated_services():
    d = Driver()
    issue(d, 1, "SB")
    issue(d, 1, "ZH")
    d.ok("login", window=1, staff_code="1001")  # comprehensive: ZH before SB
    d.ok("login", window=9, staff_code="1017")  # dedicated SB
    assert d.ok("call_next", window=9)["number"] == "B001"
    assert d.ok("call_next", window=1)["number"] == "A001"


def test_one_ticket_per_window_and_clear_refusals():
    d = Driver()
    issue(d, 2)
    assert "nobody is logged in" in d.refused("call_next", window=1)
    d.ok("login", window=1, staff_code="1001")
    assert "window 1 already has s001" in d.refused("login", window=1, staff_code="1003")
    assert "already logged in at window 1" in d.refused("login", window=2, staff_code="1001")
    d.ok("call_next", window=1)
    assert "calling with ticket A001" in d.refused("call_next", window=1)
    assert "cannot finish" in d.refused("finish", window=1)
    assert "holds ticket A001" in d.refused("logout", window=1)
    d.ok("login", window=2, staff_code="1003")
    assert d.ok("call_next", window=2)["number"] == "A002"
    d.ok("no_show", window=2)
    assert "no ticket is waiting for window 2" in d.refused("call_next", window=2)
    assert "is not waiting" in d.refused("call_ticket", window=2, number="A001")


def test_malformed_commands_are_refused_and_change_nothing():
    d = Driver()
    issue(d, 1)
    before = json.dumps(d.engine.snapshot(), sort_keys=True)
    for bad in [None, [], {"type": "nope", "at": 1}, {"type": "call_next", "at": "x", "window": 1},
                {"type": "call_next", "at": d.now, "window": 99}, {"type": "issue_ticket", "at": d.now},
                {"type": "issue_ticket", "at": d.now, "service": "ZH", "lane": "vip"},
                {"type": "finish", "at": d.now, "window": 1, "case_type": "whatever"},
                {"type": "transfer", "at": d.now, "window": 1, "to_service": "SB", "to_window": 2},
                {"type": "pause", "at": d.now, "window": 1, "reason": "会议", "until": "25:00"},
                {"type": "rate", "at": d.now, "window": 1, "prompt": "E1", "level": 9},
                {"type": "login", "at": d.now, "window": True, "staff_code": "1001"},
                {"type": "tick", "at": 1e12}, {"type": "tick", "at": 1e18},
                {"type": "rate", "at": d.now, "window": 1, "prompt": "E1", "level": 3, "rated_at": 1e18}]:
        out = d.engine.handle(bad)
        assert not out.ok and out.refusal and out.events == []
    assert json.dumps(d.engine.snapshot(), sort_keys=True) == before


def test_login_records_the_post():
    d = Driver()
    assert d.ok("login", window=1, staff_code="1002")["post"] == "B"
    assert d.ok("login", window=2, staff_code="1001")["post"] is None  # neither post: allowed, noted
    assert "unknown staff code" in d.refused("login", window=3, staff_code="0000")


def test_recall_limit_makes_a_no_show():
    d = Driver()  # county: recall_limit 3
    issue(d, 1)
    d.ok("login", window=1, staff_code="1001")
    d.ok("call_next", window=1)
    assert d("recall", window=1).events[0]["recall"] == 1
    assert d("recall", window=1).events[0]["recall"] == 2
    assert d("recall", window=1).events[0]["recall"] == 3  # three recalls announced
    out = d("recall", window=1)
    assert out.events[0]["type"] == "ticket_no_show" and out.events[0]["reason"] == "recall_limit"
    assert d.engine.windows[1]["status"] == "idle"


def test_transfer_keeps_number_and_issue_time_and_can_target_staff_or_window():
    d = Driver()
    first = issue(d, 3)
    issue(d, 1, "SB")
    d.ok("login", window=1, staff_code="1001")
    d.ok("call_next", window=1)
    d.ok("start", window=1)
    t = d.ok("transfer", window=1, to_service="SB")
    assert t["number"] == first[0] and t["service"] == "SB" and t["state"] == "waiting"
    # the 10 s spent before handing it on are not a finished service: the average stays clean
    w1 = d.engine.stats["window"]["1"]
    assert (w1["service_s"], w1["handover_s"], w1["served"], w1["transferred"]) == (0, 10.0, 0, 1)
    d.ok("login", window=9, staff_code="1017")
    # Issued before B001, so it is called first at the SB window.
    assert d.ok("call_next", window=9)["number"] == "A001"
    d.ok("transfer", window=9, to_staff="s001")
    assert d.ok("call_next", window=1)["number"] == "A001"  # ahead of A002: transferred to this clerk
    d.ok("transfer", window=1, to_window=9)
    assert d.ok("call_next", window=9)["number"] == "A001"
    assert len(d.engine.tickets["2026-11-23-A001"]["transfers"]) == 3
    assert "cannot transfer to window 9" in d.refused("transfer", window=9, to_window=9)


def test_call_a_specific_ticket_and_cancel():
    d = Driver()
    issue(d, 3)
    d.ok("login", window=1, staff_code="1001")
    assert d.ok("call_ticket", window=1, number="A003")["number"] == "A003"
    d.ok("cancel_ticket", ticket="A001")
    assert "only a waiting ticket" in d.refused("cancel_ticket", ticket="A003")
    d.ok("no_show", window=1)
    assert d.ok("call_next", window=1)["number"] == "A002"
    issue(d, 1)
    d.ok("login", window=9, staff_code="1017")  # SB only
    assert "is not for window 9" in d.refused("call_ticket", window=9, number="A004")


def test_pause_needs_a_configured_reason_and_resume():
    d = Driver()
    d.ok("login", window=1, staff_code="1001")
    assert "pause reason must be one of" in d.refused("pause", window=1, reason="喝茶")
    d.ok("pause", window=1, reason="会议", until="10:30")
    w = d.engine.windows[1]
    assert (w["status"], w["paused_reason"], w["until"]) == ("paused", "会议", "10:30")
    issue(d, 1)
    assert "paused (会议)" in d.refused("call_next", window=1)
    d.ok("resume", window=1)
    d.ok("call_next", window=1)


def test_no_tickets_outside_opening_hours_unless_configured():
    d = Driver(start=at(2026, 11, 23, 8, 0))
    assert "the hall is closed" in d.refused("issue_ticket", service="ZH")
    assert "closed" in Driver(start=at(2026, 10, 1, 10, 0)).refused("issue_ticket", service="ZH")  # holiday
    assert Driver(start=at(2026, 11, 26, 18, 0)).ok("issue_ticket", service="ZH")  # Thursday 延时服务
    assert Driver(start=at(2026, 11, 23, 12, 30)).ok("issue_ticket", service="ZH")  # 午间不间断
    assert Driver(start=at(2026, 9, 27, 10, 0)).ok("issue_ticket", service="ZH")  # 调休 Sunday
    d = Driver(hall(issue_outside_hours=True), start=at(2026, 11, 23, 7, 0))
    assert d.ok("issue_ticket", service="ZH")["number"] == "A001"


def test_new_service_day_resets_the_queue_and_numbers():
    d = Driver(hall(issue_outside_hours=True))
    issue(d, 2)
    d.ok("login", window=1, staff_code="1001")
    d.ok("call_next", window=1)
    out = d("tick", at=at(2026, 11, 24, 0, 0, 1))
    kinds = [e["type"] for e in out.events]
    assert "day_started" in kinds and d.engine.windows[1]["ticket"] is None
    # each removed ticket is recorded with what it was doing when the day ended
    reset = [(e["number"], e["was"], e["window"]) for e in out.events if e["type"] == "ticket_reset"]
    assert reset == [("A001", "called", 1), ("A002", "waiting", None)]
    assert next(e for e in out.events if e["type"] == "day_started")["removed"] == 2
    assert d.engine.tickets == {} and d.engine.stats["volume"]["issued"] == 0
    assert d.ok("issue_ticket", service="ZH")["id"] == "2026-11-24-A001"


def test_keep_open_overnight_keeps_waiting_tickets_and_their_numbers():
    d = Driver(hall(issue_outside_hours=True, keep_open_overnight=True))
    issue(d, 2)
    issue(d, 1, "SB")
    d.ok("login", window=9, staff_code="1017")
    d.serve(9)
    d("tick", at=at(2026, 11, 24, 0, 0, 1))
    assert sorted(t["number"] for t in d.engine.tickets.values()) == ["A001", "A002"]
    assert d.ok("issue_ticket", service="ZH")["number"] == "A003"  # no second A001 while one is open
    assert d.ok("issue_ticket", service="SB")["number"] == "B001"


def test_evaluation_once_per_prompt_and_timeout_is_not_a_rating():
    d = Driver()
    issue(d, 3)
    d.ok("login", window=1, staff_code="1001")
    d.ok("login", window=2, staff_code="1003")
    assert "no finished service" in d.refused("request_evaluation", window=1)
    d.serve(1)
    p = d.ok("request_evaluation", window=1)["prompt"]
    assert "already waiting" in d.refused("request_evaluation", window=1)
    assert "belongs to window 1" in d.refused("rate", window=2, prompt=p, level=5)
    assert d.ok("rate", window=1, prompt=p, level=4, rated_at=None)["staff"] == "s001"  # None: not given
    assert "already rated" in d.refused("rate", window=1, prompt=p, level=5)
    d.serve(1)
    p2 = d.ok("request_evaluation", window=1)["prompt"]
    asked = d.now
    out = d("tick", at=d.now + 61)
    assert [e["type"] for e in out.events].count("evaluation_timed_out") == 1
    ev = d.engine.stats["evaluation"]
    assert (ev["rated"], ev["timed_out"], ev["levels"]["4"]) == (1, 1, 1)
    # The evaluator was offline: the citizen's rating, made in time, arrives after the
    # timeout. It counts, once, and the "not rated" is taken back.
    assert "timed out" in d.refused("rate", window=2, prompt=p2, level=5, rated_at=asked + 20)
    late = d.ok("rate", window=1, prompt=p2, level=5, rated_at=asked + 20)
    assert late["late"] is True and late["rated_at"] == asked + 20 and late["staff"] == "s001"
    assert "already rated" in d.refused("rate", window=1, prompt=p2, level=5, rated_at=asked + 20)
    assert (ev["rated"], ev["timed_out"], ev["levels"]["5"]) == (2, 0, 1)
    # With its clock unset the device's rated_at says nothing: the rating is stamped on arrival.
    d.serve(1)
    p3 = d.ok("request_evaluation", window=1)["prompt"]
    d("tick", at=d.now + 61)
    assert d.ok("rate", window=1, prompt=p3, level=3, rated_at=946684800)["rated_at"] == d.now


def test_clerk_withdraws_a_prompt_and_it_stays_not_rated():
    d = Driver()
    issue(d, 1)
    d.ok("login", window=1, staff_code="1001")
    assert "not waiting for a rating" in d.refused("cancel_evaluation", window=1)
    d.serve(1)
    p = d.ok("request_evaluation", window=1)["prompt"]
    out = d("cancel_evaluation", window=1)
    assert [e["type"] for e in out.events] == ["evaluation_cancelled"]
    assert "withdrawn" in d.refused("rate", window=1, prompt=p, level=5)
    ev = d.engine.stats["evaluation"]
    assert (ev["rated"], ev["cancelled"], ev["timed_out"]) == (0, 1, 0)
    assert next(iter(d.engine.tickets.values()))["evaluation"] == "not_rated"


def test_bad_rating_opens_a_follow_up_in_working_days():
    d = Driver(start=at(2026, 9, 30, 10, 0))  # Wed before the National Day holidays
    issue(d, 1)
    d.ok("login", window=1, staff_code="1001")
    d.serve(1)
    p = d.ok("request_evaluation", window=1)["prompt"]
    out = d("rate", window=1, prompt=p, level=1, reasons=["01", "05"])
    f = [e for e in out.events if e["type"] == "followup_created"][0]
    # 10-01, 10-02, 10-05..07 are holidays; 10-03/04 a weekend (the hall opens on Saturday
    # 10-03, but that does not make it a working day); Thu 10-08 is the first working day,
    # Sat 10-10 a 调休 day worked, so the 15th working day is Tue 10-27.
    hours = d.engine.hall.hours
    assert "sat" in hours.weekly and dt.date(2026, 10, 10) in hours.workdays
    ev = d.engine.hall.evaluation
    assert (ev.contact_working_days, ev.rectify_working_days) == (1, 15)
    assert f["contact_by"] == "2026-10-08" and f["staff"] == "s001" and f["level"] == 1
    assert f["rectify_by"] == "2026-10-27"
    issue(d, 1)
    d.serve(1)
    p2 = d.ok("request_evaluation", window=1)["prompt"]
    # a code from an older reasons list: the rating counts, the code is kept aside
    r = d.ok("rate", window=1, prompt=p2, level=1, reasons=["zz", "01"], rv="2025.9")
    assert (r["reasons"], r["unknown_reasons"], r["reasons_version"]) == (["01"], ["zz"], "2025.9")


def test_alerts_tidal_empty_post_and_case_limit():
    d = Driver(hall(normal_per_priority=2), step=1)
    d.ok("login", window=9, staff_code="1017")
    issue(d, 5, "SB")  # 5 x 5 min default over 3 SB windows (1-8 closed: nobody) -> 25 min > 15
    kinds = {e["kind"] for e in d("tick").events if e["type"] == "alert" and e["active"]}
    assert "tidal" in kinds
    d.ok("pause", window=9, reason="会议")
    out = d("tick", at=d.now + 16 * 60)
    posts = {e["window"] for e in out.events if e["type"] == "alert" and e["kind"] == "empty_post"}
    tidal_windows = {w.number for w in d.engine.hall.windows if w.type == "tidal"}
    assert 9 in posts and 1 in posts and tidal_windows and not posts & tidal_windows
    assert "max_wait" in {e["kind"] for e in out.events if e["type"] == "alert"}
    d.ok("resume", window=9)
    cleared = [e for e in d("tick").events if e["type"] == "alert" and not e["active"]]
    assert any(e["kind"] == "empty_post" and e["window"] == 9 for e in cleared)


def test_case_limit_alert_on_a_comprehensive_window():
    d = Driver(hall(issue_outside_hours=True), step=1)
    d.ok("login", window=1, staff_code="1001")
    issue(d, 31)
    for _ in range(30):
        d.serve(1)
    assert not [e for e in d.events if e["type"] == "alert" and e["kind"] == "case_limit"]
    d.serve(1)
    assert [e for e in d.events if e["type"] == "alert" and e["kind"] == "case_limit"][0]["cases"] == 31


def test_statistics_per_ticket_window_staff_service():
    d = Driver(step=60)
    issue(d, 2)
    d.ok("login", window=1, staff_code="1001")
    d.serve(1)
    from gateway.engine.stats import report
    r = report(d.engine.stats)
    w = r["window"]["1"]
    assert (w["called"], w["served"], w["wait_s"], w["walkup_s"], w["service_s"]) == (1, 1, 180.0, 60.0, 60.0)
    assert r["staff"]["s001"]["served"] == r["service"]["ZH"]["served"] == r["volume"]["served"] == 1
    t = d.engine.tickets["2026-11-23-A001"]
    assert (t["called_at"] - t["issued_at"], t["outcome"], t["case_type"]) == (180.0, "served", "immediate")


def test_snapshot_restore_is_exact():
    d = Driver()
    issue(d, 4)
    issue(d, 2, lane="green")
    d.ok("login", window=1, staff_code="1001")
    d.serve(1)
    d.ok("call_next", window=1)
    snap = json.loads(json.dumps(d.engine.snapshot()))
    e2 = Engine.restore(d.engine.hall, snap)
    assert json.dumps(e2.snapshot(), sort_keys=True) == json.dumps(d.engine.snapshot(), sort_keys=True)
    cmds = [{"type": "finish", "window": 1}] + [{"type": "call_next", "window": 1}, {"type": "start", "window": 1},
                                                 {"type": "finish", "window": 1}] * 4
    for i, c in enumerate(cmds):
        c["at"] = MONDAY_9 + 3600 + i
        assert d.engine.handle(dict(c)).to_dict() == e2.handle(dict(c)).to_dict()
