"""The 差评 follow-up loop: every state and branch, four eyes, callbacks, working-day
deadlines across a public holiday and a 调休 Saturday, and overdue raised once."""
import json

from gateway.engine import Engine
from gateway.engine.followup import FINAL, MOVES, STATUS_CN
from tests.engine.test_evaluation_reporting import HALL, kinds, served
from tests.support.hallday import Driver, at

WED = at(2026, 9, 30, 10, 0)  # the Wednesday before the National Day holidays
SUP = {"role": "supervisor"}


def bad_rating(d, window=1):
    served(d, window)
    p = d.ok("request_evaluation", window=window)["prompt"]
    out = d("rate", window=window, prompt=p, level=1, reasons=["01"])
    assert out.ok, out.refusal
    return kinds(out, "followup_created")[0]


def act(d, fid, action, by="m1", **kw):
    out = d("followup", id=fid, action=action, by=by, **kw)
    return out


def only_allowed(d, fid):
    """Every action the item's status does not allow is refused, naming that status."""
    status = d.engine.followup_by_id[fid]["status"]
    before = json.dumps(d.engine.snapshot(), sort_keys=True)
    for action, (sources, _) in MOVES.items():
        if status in sources:
            continue
        why = d.refused("followup", id=fid, action=action, by="m9", note="n", **SUP)
        assert f"it is {STATUS_CN[status]} ({status})" in why, why
    assert json.dumps(d.engine.snapshot(), sort_keys=True) == before


def test_deadlines_count_working_days_across_a_holiday_and_a_tiaoxiu_saturday():
    d = Driver(HALL, start=WED)
    f = bad_rating(d)
    # 10-01, 10-02 and 10-05 are holidays, 10-03/04 a weekend: the first working day after
    # Wed 09-30 is Tue 10-06; then 10-07, 10-08, 10-09 and Saturday 10-10 (调休) make five.
    assert (f["contact_by"], f["rectify_by"]) == ("2026-10-06", "2026-10-10")
    assert (f["status"], f["eval_ref"], f["prompt"], f["callbacks"]) == ("pending", "E1", "E1", [])


def test_contact_and_rectify_overdue_each_raised_once_and_the_alert_ends_when_settled():
    d = Driver(HALL, start=WED)
    f1 = bad_rating(d)["id"]
    f2 = bad_rating(d)["id"]
    d.ok("followup", id=f2, action="callback", by="m1", result="reached", note="约好周二来")  # contacted in time
    assert not kinds(d("tick", at=at(2026, 10, 6, 23, 59)), "followup_overdue")
    out = d("tick", at=at(2026, 10, 7, 0, 0, 1))
    assert [(e["id"], e["kind"], e["due"]) for e in kinds(out, "followup_overdue")] == [(f1, "contact", "2026-10-06")]
    alert = kinds(out, "alert")[0]
    assert (alert["kind"], alert["active"], alert["key"], alert["overdue"]) == (
        "followup_overdue", True, f"followup_overdue:{f1}:contact", "contact")
    assert d.engine.followup_by_id[f1]["contact_overdue"] and not d.engine.followup_by_id[f2]["contact_overdue"]
    assert not kinds(d("tick", at=at(2026, 10, 8, 9)), "followup_overdue")  # once only
    d.ok("followup", id=f2, action="start", by="m1")
    out = d("tick", at=at(2026, 10, 11, 0, 0, 1))  # past the end of the 调休 Saturday
    assert sorted((e["id"], e["kind"]) for e in kinds(out, "followup_overdue")) == [(f1, "rectify"), (f2, "rectify")]
    assert d.engine.followup_by_id[f1]["overdue"] is True
    assert not kinds(d("tick", at=at(2026, 10, 12, 9)), "followup_overdue")
    assert len([a for a in d.engine.alerts if a.startswith("followup_overdue:")]) == 3
    d.ok("followup", id=f1, action="start", by="m1")  # late, still allowed
    out = d("followup", id=f1, action="complete", by="m1", note="已道歉并优化流程")
    ended = [a["key"] for a in kinds(out, "alert") if not a["active"]]
    assert sorted(ended) == [f"followup_overdue:{f1}:contact", f"followup_overdue:{f1}:rectify"]
    assert [a for a in d.engine.alerts if a.startswith("followup_")] == [f"followup_overdue:{f2}:rectify"]
    # restored, the engine raises nothing again
    e = Engine.restore(HALL, json.loads(json.dumps(d.engine.snapshot())))
    assert not kinds(e.handle({"type": "tick", "at": at(2026, 12, 1, 9)}), "followup_overdue")


def test_a_deadline_passed_in_review_counts_when_the_request_is_rejected():
    d = Driver(HALL, start=WED)
    f = bad_rating(d)["id"]
    d.ok("followup", id=f, action="request_invalid", by="m1", note="评价人误按")
    assert not kinds(d("tick", at=at(2026, 10, 12, 9)), "followup_overdue")  # in review: not late
    out = d("followup", id=f, action="reject", by="m2", **SUP)
    assert sorted(e["kind"] for e in kinds(out, "followup_overdue")) == ["contact", "rectify"]
    assert d.engine.followup_by_id[f]["status"] == "pending"


def test_a_bad_rating_walks_every_state_and_branch():
    d = Driver(HALL, start=WED)
    a, b, c = (bad_rating(d)["id"] for _ in range(3))
    assert "no follow-up 'F9'" in d.refused("followup", id="F9", action="start", by="m1")
    # a: pending -> rectifying -> rectified, with callbacks along the way and after
    only_allowed(d, a)
    assert "note is required" in d.refused("followup", id=a, action="request_invalid", by="m1")
    ch = d.ok("followup", id=a, action="start", by="m1")
    assert ch["status"] == "rectifying"
    only_allowed(d, a)
    assert "note is required" in d.refused("followup", id=a, action="complete", by="m1")
    assert "'result' is required" in d.refused("followup", id=a, action="callback", by="m1")
    assert "only for a callback" in d.refused("followup", id=a, action="start", by="m1", result="reached")
    d.ok("followup", id=a, action="callback", by="m1", result="unreachable")
    out = d("followup", id=a, action="complete", by="m1", note="窗口增设引导")
    assert kinds(out, "followup_changed")[0] | {"at": 0} == {
        "type": "followup_changed", "at": 0, "id": a, "prompt": "E1", "action": "complete", "status": "rectified",
        "previous": "rectifying", "by": "m1", "note": "窗口增设引导", "result": None}
    only_allowed(d, a)
    d.ok("followup", id=a, action="callback", by="m2", result="satisfied", note="群众满意")
    item = d.engine.followup_by_id[a]
    assert [x["result"] for x in item["callbacks"]] == ["unreachable", "satisfied"]
    assert (item["callbacks"][1]["by"], item["status"]) == ("m2", "rectified")

    # b: pending -> invalid_requested -> (reject) pending -> invalid_requested -> (approve) invalid
    d.ok("followup", id=b, action="request_invalid", by="m1", note="误评")
    only_allowed(d, b)
    assert "needs a supervisor" in d.refused("followup", id=b, action="approve", by="m2")
    assert "four eyes" in d.refused("followup", id=b, action="approve", by="m1", **SUP)
    assert "four eyes" in d.refused("followup", id=b, action="reject", by="m1", **SUP)
    assert "staff member the 差评" in d.refused("followup", id=b, action="approve", by="s1", **SUP)
    assert d.ok("followup", id=b, action="reject", by="m2", note="证据不足", **SUP)["status"] == "pending"
    d.ok("followup", id=b, action="request_invalid", by="m1", note="补充了录像")
    assert d.ok("followup", id=b, action="approve", by="m2", **SUP)["status"] == "invalid"
    only_allowed(d, b)

    # c: rectifying -> invalid_requested -> (reject) rectifying -> unfixable_requested -> (reject)
    # rectifying -> unfixable_requested -> (approve) unfixable
    d.ok("followup", id=c, action="start", by="m1")
    d.ok("followup", id=c, action="request_invalid", by="m1", note="n1")
    assert d.ok("followup", id=c, action="reject", by="m2", **SUP)["status"] == "rectifying"
    d.ok("followup", id=c, action="request_unfixable", by="m3", note="政策所限")
    only_allowed(d, c)
    assert d.ok("followup", id=c, action="reject", by="m2", **SUP)["status"] == "rectifying"
    d.ok("followup", id=c, action="request_unfixable", by="m3", note="政策所限，已上报")
    assert "four eyes" in d.refused("followup", id=c, action="approve", by="m3", **SUP)
    assert d.ok("followup", id=c, action="approve", by="m1", **SUP)["status"] == "unfixable"
    only_allowed(d, c)
    assert {f["status"] for f in d.engine.followups} == FINAL
    assert [h["to"] for h in d.engine.followup_by_id[c]["history"]] == [
        "rectifying", "invalid_requested", "rectifying", "unfixable_requested", "rectifying",
        "unfixable_requested", "unfixable"]
    assert "followup: action must be one of" in d.refused("followup", id=c, action="delete", by="m1")
    assert "result must be one of" in d.refused("followup", id=c, action="callback", by="m1", result="ok")


def test_a_callback_says_when_the_citizen_was_called_back():
    """Recorded later than it happened: the time given, to the minute; never before the 差评's
    minute nor after the command; only a callback carries one."""
    d = Driver(HALL, start=WED)
    fid = bad_rating(d)["id"]
    created = d.engine.followup_by_id[fid]["created_at"]
    minute = created // 60 * 60
    for bad in (minute - 1, d.now + 3600):
        assert "'called_at' must lie" in d.refused("followup", id=fid, action="callback", by="m1", result="reached",
                                                   called_at=bad)
    assert d.engine.followup_by_id[fid]["callbacks"] == []
    assert "only for a callback" in d.refused("followup", id=fid, action="start", by="m1", called_at=created)
    out = d("followup", id=fid, action="callback", by="m1", result="reached", called_at=minute)
    assert kinds(out, "followup_changed")[0]["called_at"] == minute
    d.ok("followup", id=fid, action="callback", by="m1", result="satisfied")  # now, when none is given
    assert [c["called_at"] for c in d.engine.followup_by_id[fid]["callbacks"]] == [minute, d.now]
