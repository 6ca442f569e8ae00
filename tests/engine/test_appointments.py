"""Appointments (预约): booked, changed, cancelled; checked in once, within their check-in time,
for their own service; no-shows when the time runs out; weekend slots only where the hall allows."""
from gateway.config import load_text
from tests.support.hallday import ROOT, Driver, at, hall

MON, SAT = (2026, 11, 23), (2026, 11, 28)


def book(d, code="204817", service="SB", start=(9, 30), end=(10, 0), day=MON, **kw):
    return d("book_appointment", code=code, service=service, start=at(*day, *start), end=at(*day, *end), **kw)


def check_in(d, code="204817", service="SB", **kw):
    return d("issue_ticket", service=service, lane="appointment", appointment_code=code, **kw)


def test_checked_in_once_within_its_time_for_its_service():
    d = Driver(hall("county"), start=at(*MON, 8, 55))
    assert book(d, start=(10, 0), end=(10, 30)).ok
    assert "opens for check-in at 09:30" in check_in(d, at=at(*MON, 9, 29)).refusal  # 30 minutes early at most
    assert "is for service SB, not ZH" in check_in(d, service="ZH", at=at(*MON, 9, 31)).refusal
    assert "no appointment with code 999999 today" in check_in(d, code="999999").refusal
    t = check_in(d, at=at(*MON, 9, 32))
    assert t.ok and t.result["lane"] == "appointment" and t.result["number"] == "B001"
    again = check_in(d, at=at(*MON, 9, 33))
    assert again.refusal == "appointment 204817 is already checked in (ticket B001)"
    a = d.engine.appointments["2026-11-23:204817"]
    assert (a["state"], a["ticket"], a["checked_in_at"]) == ("checked_in", t.result["id"], at(*MON, 9, 32))
    assert [e["type"] for e in d.events if e["type"].startswith("appointment")] == [
        "appointment_booked", "appointment_checked_in"]


def test_late_by_the_grace_is_refused_and_then_a_no_show():
    d = Driver(hall("county"), start=at(*MON, 8, 55))
    book(d)
    book(d, code="555555")
    assert check_in(d, code="555555", at=at(*MON, 10, 14)).ok  # 15 minutes' grace after the slot
    out = check_in(d, at=at(*MON, 10, 16))
    assert out.refusal == "appointment 204817 is past its check-in time (until 10:15): take a normal ticket"
    assert d.engine.appointments["2026-11-23:204817"]["state"] == "no_show"
    assert [e["appointment"]["code"] for e in d.events if e["type"] == "appointment_no_show"] == ["204817"]
    assert d("issue_ticket", service="SB").ok  # the normal number the kiosk offers instead


def test_changed_and_cancelled_before_check_in():
    d = Driver(hall("county"), start=at(*MON, 8, 0))
    assert book(d, source="province", ref="P-1").ok
    assert book(d, start=(10, 0), end=(10, 30), source="province", ref="P-1").ok  # the province moved it
    assert "already in use" in book(d, source="hall").refusal  # another booking may not take the code
    assert d.engine.appointments["2026-11-23:204817"]["start"] == at(*MON, 10, 0)
    assert d("cancel_appointment", appointment="2026-11-23:204817").ok
    assert check_in(d, at=at(*MON, 9, 45)).refusal == "appointment 204817 was cancelled"
    assert "only a booked one" in d("cancel_appointment", appointment="2026-11-23:204817").refusal


def test_slots_in_opening_hours_and_weekends_only_where_allowed():
    d = Driver(hall("county"), start=at(*MON, 8, 0))
    assert "outside the hall's opening hours" in book(d, start=(17, 30), end=(18, 0)).refusal
    assert "outside the hall's opening hours" in book(d, start=(16, 45), end=(17, 15)).refusal
    assert "has passed" in book(d, start=(7, 0), end=(7, 30)).refusal
    assert book(d, code="600001", day=SAT).ok  # the county opens Saturday mornings and takes appointments
    text = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")
    no_weekends = load_text(text.replace("appointment_weekends = true", "appointment_weekends = false"), "county.toml")
    d = Driver(no_weekends, start=at(*MON, 8, 0))
    assert "not a working day" in book(d, code="600001", day=SAT).refusal
    assert book(d, code="600001").ok


def test_a_new_day_leaves_yesterdays_appointments_and_keeps_tomorrows():
    d = Driver(hall("county"), start=at(*MON, 8, 0))
    book(d)
    book(d, code="700001", day=(2026, 11, 24))
    d("tick", at=at(2026, 11, 24, 8, 0))
    assert list(d.engine.appointments) == ["2026-11-24:700001"]
    assert d.engine.appointments["2026-11-24:700001"]["state"] == "booked"
    assert check_in(d, code="700001", at=at(2026, 11, 24, 9, 10)).ok
