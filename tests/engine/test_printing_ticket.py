"""A ticket whose kiosk slip is printing (issue_ticket printing=true) waits in its place but no
window can call it until slip_printed; a clerk's call meanwhile takes the next callable one; a
failed slip voids it, never called (issue 26, point 9: the printing race)."""
from gateway.api.refusals import chinese
from gateway.devices.pad_words import pad_refusal
from gateway.engine import Engine, reads
from tests.support.hallday import Driver


def printing_then_one(d):
    """A001 printing, A002 taken after it (its slip out already), a clerk at window 1."""
    a1 = d.ok("issue_ticket", service="ZH", printing=True)
    a2 = d.ok("issue_ticket", service="ZH")
    d.ok("login", window=1, staff_code="1001")
    return a1, a2


def test_a_call_during_the_print_takes_the_next_callable_ticket():
    d = Driver()
    a1, a2 = printing_then_one(d)
    assert a1["printing"] is True and a2["printing"] is False
    # waiting, counted and in its place: the citizen after it is told one is ahead
    assert d.engine.line.waiting["ZH"] == 2
    assert reads.ahead(d.engine, a2["id"]) == 1 and reads.ahead(d.engine, a1["id"]) == 0
    assert [t.number for t in reads.printing(d.engine)] == ["A001"]
    got = d.ok("call_next", window=1)
    assert got["number"] == "A002"
    assert d.engine.tickets[a1["id"]]["state"] == "waiting"  # set aside, still in its place
    d.ok("login", window=2, staff_code="1003")
    assert "still printing" in d.refused("call_ticket", window=2, number="A001")


def test_the_printed_ticket_is_called_in_its_original_order():
    d = Driver()
    a1, a2 = printing_then_one(d)
    a3 = d.ok("issue_ticket", service="ZH")
    assert d.ok("call_next", window=1)["number"] == "A002"
    printed = d.ok("slip_printed", ticket=a1["id"])
    assert printed["printing"] is False
    assert [e for e in d.events if e["type"] == "ticket_printed"] == [
        {"type": "ticket_printed", "at": d.now, "ticket": a1["id"], "number": "A001", "service": "ZH",
         "lane": "normal"}]
    d.ok("start", window=1)
    d.ok("finish", window=1)
    # issued before A003, so called before it: the print did not send it to the back
    assert d.ok("call_next", window=1)["number"] == "A001"
    assert d.engine.tickets[a3["id"]]["state"] == "waiting"
    assert "is not printing" in d.refused("slip_printed", ticket=a1["id"])


def test_a_failed_slip_is_voided_and_nobody_is_called_for_it():
    d = Driver()
    a1, _ = printing_then_one(d)
    assert d.ok("call_next", window=1)["number"] == "A002"
    d.ok("start", window=1)
    d.ok("finish", window=1)
    # only the printing ticket is left: nobody to call yet, and the clerk is told why
    why = d.refused("call_next", window=1)
    assert why == "no ticket is waiting for window 1 yet: A001 is still printing at the kiosk"
    assert chinese(why) == "暂时没有可叫的号：A001号正在叫号机出票，请稍候再叫"
    assert pad_refusal(why) == "号票正在出票，请稍候再叫"
    assert "still printing" in d.refused("cancel_ticket", ticket=a1["id"])  # the kiosk settles it
    voided = d.ok("void_ticket", ticket=a1["id"], reason="打印失败: 缺纸")
    assert (voided["state"], voided["outcome"], voided["called_at"]) == ("done", "voided", None)
    assert d.refused("call_next", window=1) == "no ticket is waiting for window 1"
    assert not [e for e in d.events if e["type"] == "ticket_called" and e["ticket"] == a1["id"]]
    assert "no ticket" in d.refused("slip_printed", ticket="A001")  # voided: gone from the line


def test_priority_and_transfers_pass_over_a_printing_ticket_too():
    d = Driver()
    g = d.ok("issue_ticket", service="ZH", lane="green", printing=True)
    n = d.ok("issue_ticket", service="ZH")
    d.ok("login", window=1, staff_code="1001")
    assert d.ok("call_next", window=1)["number"] == n["number"]  # the green one is printing
    d.ok("transfer", window=1, to_window=2)
    d.ok("login", window=2, staff_code="1003")
    assert d.ok("call_next", window=2)["number"] == n["number"]  # transferred to window 2: first there
    d.ok("slip_printed", ticket=g["id"])
    assert d.ok("call_next", window=1)["number"] == g["number"]


def test_a_printing_ticket_survives_a_snapshot_and_an_older_snapshot_has_none():
    d = Driver()
    a1, a2 = printing_then_one(d)
    snap = d.engine.snapshot()
    e = Engine.restore(d.engine.hall, snap)
    assert e.snapshot() == snap and e.tickets[a1["id"]]["printing"] is True
    out = e.handle({"type": "call_next", "at": d.now + 1, "window": 1})
    assert out.ok and out.result["number"] == "A002"
    for t in snap["tickets"]:
        del t["printing"]  # as a release before printing tickets wrote it
    old = Engine.restore(d.engine.hall, snap)
    assert old.handle({"type": "call_next", "at": d.now + 1, "window": 1}).result["number"] == "A001"


def test_printing_is_true_or_false():
    d = Driver()
    assert "'printing' must be a true or false" in d.refused("issue_ticket", service="ZH", printing="yes")
