"""The green channel keeps its promise: the county's C001 / C002 morning, and "前面还有 N 人"
told by the same rule the windows call by."""
from gateway.engine import reads
from gateway.kiosk import estimate
from tests.engine.test_engine_properties import key, order_violations, waiting_copy
from tests.support.hallday import Driver, at, hall

MON = (2026, 11, 23)


def county_morning():
    """09:03 C001 (医疗保障, 绿色通道 老年人), 09:05 A001, 09:07 C002, 09:08 B001, all waiting."""
    d = Driver(hall("county"))
    d.ok("issue_ticket", service="YB", lane="green", category="老年人", at=at(*MON, 9, 3))
    d.ok("issue_ticket", service="ZH", at=at(*MON, 9, 5))
    d.ok("issue_ticket", service="YB", at=at(*MON, 9, 7))
    d.ok("issue_ticket", service="SB", at=at(*MON, 9, 8))
    return d


def test_c001_goes_before_the_later_c002_at_window_11():
    d = county_morning()
    d.ok("login", window=11, staff_code="1021", at=at(*MON, 9, 10))
    assert [d.serve(11)["number"] for _ in range(2)] == ["C001", "C002"]


def test_c001_goes_before_later_numbers_of_other_services_at_a_comprehensive_window():
    d = county_morning()
    d.ok("login", window=1, staff_code="1001", at=at(*MON, 9, 10))
    # C001 was taken before all of them; the normal ones then go by window 1's order of
    # services: 综合受理 (A), 社会保险 (B), then 医疗保障 (C)
    assert [d.serve(1)["number"] for _ in range(4)] == ["C001", "A001", "B001", "C002"]


def test_the_kiosk_tells_c001_the_order_it_is_called_in():
    d = county_morning()
    e = d.engine
    c001 = e.by_number["C001"]
    assert reads.ahead(e, c001) == 0  # no window open: any window that serves it calls it first
    d.ok("login", window=1, staff_code="1001", at=at(*MON, 9, 10))
    for number in ("C001", "A001", "B001", "C002"):
        told = reads.ahead(e, e.by_number[number])
        # window 1 alone is open: what it is told is how many window 1 calls before it
        order = [t["number"] for t in e.line.call_order(1, e.windows[1]["staff"], e.win_cfg[1].services)]
        assert told == order.index(number), number


def test_people_ahead_is_the_call_order_at_the_soonest_window():
    d = county_morning()
    e = d.engine
    d.ok("login", window=1, staff_code="1001", at=at(*MON, 9, 10))
    d.ok("login", window=11, staff_code="1021", at=at(*MON, 9, 11))
    # C002 is second at window 11 (C001 first) and third at window 1 (C001, A001): told 1
    assert reads.ahead(e, e.by_number["C002"]) == 1
    called = d.ok("call_next", window=11)["number"]
    assert called == "C001" and reads.ahead(e, e.by_number["C002"]) == 0


def test_a_later_priority_ticket_that_overtakes_is_named():
    d = county_morning()
    e = d.engine
    d.ok("login", window=11, staff_code="1021", at=at(*MON, 9, 10))
    d.serve(11)  # C001
    d.ok("issue_ticket", service="YB", at=at(*MON, 9, 20))  # C003
    d.ok("issue_ticket", service="YB", at=at(*MON, 9, 21))  # C004 normal
    d.serve(11)  # C002
    d.serve(11)  # C003: the ratio (2 normal : 1 priority) is now due at the next call
    d.ok("issue_ticket", service="YB", lane="green", category="残疾人", at=at(*MON, 9, 30))  # C005
    where = reads.standing(e, e.by_number["C004"])
    assert where == reads.Standing(ahead=1, later_priority=1, later_transferred=0)
    text = estimate.progress(e, e.by_number["C004"])["text"]
    assert "前面还有 1 人" in text and "1 位绿色通道或预约优先" in text


def test_the_rule_check_catches_the_order_of_the_old_pick():
    """The property test's check is not a copy of pick: on the old order (a service's normal
    tickets first until N have passed) it reports the C001 / C002 morning."""
    d = county_morning()
    e = d.engine
    waiting = waiting_copy(e)
    old_choice = min((t for t in waiting if t["service"] == "YB" and t["lane"] == "normal"), key=key)
    wrong = order_violations(waiting, ("YB",), 11, "s021", {"YB": 0}, old_choice["id"], n=2)
    assert wrong == [f"{old_choice['id']}: a priority ticket issued earlier is still waiting (绿色通道 never waits more)"]
