"""void_ticket: the kiosk takes back a ticket its printer did not print (no phantom tickets)."""
from gateway.engine import Engine
from tests.support.hallday import Driver


def test_a_voided_ticket_leaves_the_line_and_is_never_called():
    d = Driver()
    a1 = d.ok("issue_ticket", service="ZH")
    a2 = d.ok("issue_ticket", service="ZH", lane="green")
    got = d.ok("void_ticket", ticket=a1["id"], reason="打印机缺纸")
    assert (got["state"], got["outcome"], got["void_reason"]) == ("done", "voided", "打印机缺纸")
    ev = [e for e in d.events if e["type"] == "ticket_voided"]
    assert [(e["ticket"], e["number"], e["service"], e["lane"], e["reason"]) for e in ev] == [
        (a1["id"], "A001", "ZH", "normal", "打印机缺纸")]
    assert d.events[-1] == {"type": "queue_changed", "at": d.now, "waiting": {**d.engine.line.waiting}}
    assert d.engine.line.waiting["ZH"] == 1
    assert d.engine.stats["volume"]["voided"] == 1
    d.ok("login", window=1, staff_code="1001")
    assert d.ok("call_next", window=1)["number"] == a2["number"]
    d.ok("start", window=1)
    d.ok("finish", window=1)
    assert "no ticket is waiting" in d.refused("call_next", window=1)
    # the number stays taken: the next ticket is A003, never a second A001
    assert d.ok("issue_ticket", service="ZH")["number"] == "A003"


def test_only_a_waiting_ticket_never_called_can_be_voided():
    d = Driver()
    t = d.ok("issue_ticket", service="ZH")
    d.ok("login", window=1, staff_code="1001")
    d.ok("call_next", window=1)
    assert "only a waiting ticket never called" in d.refused("void_ticket", ticket=t["id"], reason="x")
    # called, then transferred: waiting again, but a clerk has called it already
    d.ok("transfer", window=1, to_service="SB")
    assert "only a waiting ticket never called" in d.refused("void_ticket", ticket=t["id"], reason="x")
    assert "no ticket" in d.refused("void_ticket", ticket="A999", reason="x")
    assert "'reason' is required" in d.refused("void_ticket", ticket=t["id"])
    assert "'reason' must be" in d.refused("void_ticket", ticket=t["id"], reason="")
    done = d.ok("issue_ticket", service="ZH")
    d.ok("void_ticket", ticket=done["number"], reason="打印失败")
    assert "only a waiting ticket" in d.refused("void_ticket", ticket=done["id"], reason="again")


def test_a_voided_ticket_survives_a_snapshot():
    d = Driver()
    t = d.ok("issue_ticket", service="ZH")
    d.ok("issue_ticket", service="ZH")
    d.ok("void_ticket", ticket=t["id"], reason="打印机缺纸")
    e = Engine.restore(d.engine.hall, d.engine.snapshot())
    assert e.snapshot() == d.engine.snapshot()
    assert e.tickets[t["id"]]["outcome"] == "voided" and e.line.waiting["ZH"] == 1
    out = e.handle({"type": "login", "at": d.now + 1, "window": 1, "staff_code": "1001"})
    out = e.handle({"type": "call_next", "at": d.now + 2, "window": 1})
    assert out.ok and out.result["number"] == "A002"
