"""The engine's side of 好差评 reporting: matters and case numbers on tickets, 补充评价 by
the ticket's code, versioned evaluation content, and self-contained rating events."""
import json

import pytest

from gateway.config import load_text
from gateway.engine import Engine
from gateway.engine.tickets import code_in_use
from tests.support.hallday import Driver, at

MINI = """
[hall]
id = "mini"
name = "小站"
tier = "village"
region_code = "330681101201"
timezone = "Asia/Shanghai"
[queue]
issue_outside_hours = true
[hours]
holidays = [2026-10-01, 2026-10-02, 2026-10-05]
workdays = [2026-10-10]              # 调休: a Saturday worked
[hours.weekly]
mon = [["08:30", "17:00"]]
tue = [["08:30", "17:00"]]
wed = [["08:30", "17:00"]]
thu = [["08:30", "17:00"]]
fri = [["08:30", "17:00"]]
[evaluation]
prompt_timeout_seconds = 60
contact_working_days = 1
rectify_working_days = 5
supplementary_days = 3
reasons_version = "h1"
reasons = [{ code = "01", text = "服务态度差" }, { code = "02", text = "办事效率低" }]
[[services]]
code = "ZH"
name = "综合"
prefix = "A"
department = "站"
matters = [{ code = "M-1", name = "社保卡代办" }, { code = "M-2", name = "医保参保" }]
[[services]]
code = "ZX"
name = "咨询"
prefix = "Z"
department = "站"
matters = [{ code = "X-1", name = "政策咨询" }]
[[windows]]
number = 1
display_text = "1号"
type = "comprehensive"
services = ["ZH", "ZX"]
[[windows]]
number = 2
display_text = "2号"
type = "comprehensive"
services = ["ZH", "ZX"]
[[staff]]
id = "s1"
name = "王秀英"
login_code = "1001"
[[staff]]
id = "s2"
name = "李建国"
login_code = "1002"
"""
HALL = load_text(MINI, "mini.toml")
MON = at(2026, 11, 23, 10, 0)  # a Monday


def served(d, window=1, **issue):
    """Issue a ticket, serve it at the window; the finished ticket."""
    t = d.ok("issue_ticket", service="ZH", **issue)
    if d.engine.windows[window]["staff"] is None:
        d.ok("login", window=window, staff_code=f"100{window}")
    d.ok("call_next", window=window)
    d.ok("start", window=window)
    d.ok("finish", window=window)
    return d.engine.tickets[t["id"]]


def kinds(out, kind):
    return [e for e in out.events if e["type"] == kind]


def test_matter_on_issue_and_refused_when_not_the_services():
    d = Driver(HALL, start=MON)
    t = d.ok("issue_ticket", service="ZH", matter="M-2", sup_code="ABCD2345")
    assert (t["matter"], t["project_no"], t["sup_code"]) == ("M-2", None, "ABCD2345")
    issued = kinds(d.engine.handle({"type": "issue_ticket", "at": d.now + 1, "service": "ZX"}), "ticket_issued")[0]
    assert issued["ticket"]["matter"] is None and "sup_code" not in issued["ticket"]
    assert "not a matter (事项) of service ZH" in d.refused("issue_ticket", service="ZH", matter="X-1")
    assert d.refused("issue_ticket", service="ZH", sup_code="ABCD2345") == code_in_use("ABCD2345")
    assert "sup_code" in d.refused("issue_ticket", service="ZH", sup_code="abcd0O1I")


def test_attach_case_while_serving_after_finish_and_never_after_the_rating():
    d = Driver(HALL, start=MON)
    d.ok("issue_ticket", service="ZH")
    d.ok("login", window=1, staff_code="1001")
    assert "holds no ticket" in d.refused("attach_case", window=1, project_no="P1")
    d.ok("call_next", window=1)
    d.ok("start", window=1)
    got = d.ok("attach_case", window=1, project_no="330681-2026-0001")
    assert got == {"ticket": "2026-11-23-A001", "number": "A001", "window": 1, "staff": "s1", "service": "ZH",
                   "project_no": "330681-2026-0001", "matter": None}
    d.ok("finish", window=1)
    # after the finish, before a rating: the window's last service; last one wins
    assert d.ok("attach_case", window=1, project_no="P-2", matter="M-1")["project_no"] == "P-2"
    assert "not a matter (事项) of service ZH" in d.refused("attach_case", window=1, project_no="P-3", matter="X-1")
    assert "project_no" in d.refused("attach_case", window=1, project_no="P 3")
    assert "project_no" in d.refused("attach_case", window=1, project_no="P" * 41)
    p = d.ok("request_evaluation", window=1)["prompt"]
    d.ok("attach_case", window=1, project_no="P-3")  # while the prompt is open
    rec = d.ok("rate", window=1, prompt=p, level=5)
    assert (rec["project_no"], rec["matter"]) == ("P-3", "M-1")
    assert "holds no ticket" in d.refused("attach_case", window=1, project_no="P-4")
    assert d.engine.tickets["2026-11-23-A001"]["project_no"] == "P-3"


def test_attach_case_refused_once_the_ticket_is_rated():
    d = Driver(HALL, start=MON)
    t = served(d, sup_code="RATE2345")
    d.ok("rate_supplementary", code="RATE2345", level=4)
    assert t["evaluation"] == "rated"
    assert "rated already" in d.refused("attach_case", window=1, project_no="P-9")


def test_window_rating_carries_everything_a_provincial_record_needs():
    d = Driver(HALL, start=MON)
    t = served(d, matter="M-1")
    p = d.ok("request_evaluation", window=1)["prompt"]
    rec = d.ok("rate", window=1, prompt=p, level=4, rv="h1")
    assert {k: rec[k] for k in ("matter", "project_no", "day", "assess_number", "channel", "finished_at",
                                "case_type", "reasons_version", "late", "staff", "number")} == \
        {"matter": "M-1", "project_no": None, "day": "2026-11-23", "assess_number": 1, "channel": "evaluator",
         "finished_at": t["finished_at"], "case_type": "immediate", "reasons_version": "h1", "late": False,
         "staff": "s1", "number": "A001"}


def test_supplementary_rating_once_and_its_bad_rating_opens_a_follow_up():
    d = Driver(HALL, start=MON)
    t = served(d, matter="M-2", sup_code="SUPP2345")
    d.ok("attach_case", window=1, project_no="C-7")
    e = d.engine.supplementary["SUPP2345"]
    assert (e["ticket"], e["project_no"], e["matter"], e["until"]) == (t["id"], "C-7", "M-2",
                                                                        t["finished_at"] + 3 * 86400)
    out = d("rate_supplementary", code="SUPP2345", level=2, reasons=["02", "zz"], at=MON + 86400)  # next day
    assert out.ok, out.refusal
    rec = kinds(out, "rating_recorded")[0]
    assert {k: rec[k] for k in ("prompt", "assess_number", "channel", "ticket", "day", "window", "staff",
                                "matter", "project_no", "reasons", "unknown_reasons", "finished_at")} == \
        {"prompt": "SSUPP2345", "assess_number": 2, "channel": "supplementary", "ticket": t["id"],
         "day": "2026-11-23", "window": 1, "staff": "s1", "matter": "M-2", "project_no": "C-7",
         "reasons": ["02"], "unknown_reasons": ["zz"], "finished_at": t["finished_at"]}
    f = kinds(out, "followup_created")[0]
    assert (f["prompt"], f["eval_ref"], f["status"], f["staff"]) == ("SSUPP2345", "SSUPP2345", "pending", "s1")
    assert "already rated with this code" in d.refused("rate_supplementary", code="SUPP2345", level=5)
    assert "no supplementary rating code" in d.refused("rate_supplementary", code="NEWW2345", level=5)
    assert "level" in d.refused("rate_supplementary", code="SUPP2345", level=6)


def test_one_rating_per_service_at_the_window_or_by_the_code():
    d = Driver(HALL, start=MON)
    served(d, sup_code="WEND2345")
    p = d.ok("request_evaluation", window=1)["prompt"]
    assert "being rated at window 1 now" in d.refused("rate_supplementary", code="WEND2345", level=5)
    d.ok("rate", window=1, prompt=p, level=5)
    assert "already rated at window 1" in d.refused("rate_supplementary", code="WEND2345", level=1)
    # the other way round: a prompt timed out, the citizen rated by the code, then the
    # offline evaluator delivers the rating made in time: one of them only
    served(d, sup_code="LATE2345")
    p2 = d.ok("request_evaluation", window=1)["prompt"]
    asked = d.now
    d("tick", at=asked + 61)
    d.ok("rate_supplementary", code="LATE2345", level=3)
    assert "already rated with its code" in d.refused("rate", window=1, prompt=p2, level=5, rated_at=asked + 5)


def test_supplementary_code_expires_after_its_days_across_rollovers():
    d = Driver(HALL, start=MON)
    served(d, sup_code="PAST2345")
    finished = d.now
    d("tick", at=finished + 3 * 86400 - 60)  # Thursday, a minute before the 3 days are over
    assert "PAST2345" in d.engine.supplementary
    assert "expired" in d.refused("rate_supplementary", code="PAST2345", level=4, at=finished + 3 * 86400 + 60)
    d("tick", at=finished + 4 * 86400)  # Friday's rollover forgets it
    assert "PAST2345" not in d.engine.supplementary
    assert "no supplementary rating code" in d.refused("rate_supplementary", code="PAST2345", level=4)
    # a code is free again once nothing holds it
    assert d.ok("issue_ticket", service="ZH", sup_code="PAST2345")["sup_code"] == "PAST2345"


def test_supplementary_days_zero_disables_it():
    hall = load_text(MINI.replace("supplementary_days = 3", "supplementary_days = 0"), "mini.toml")
    d = Driver(hall, start=MON)
    served(d, sup_code="ZERA2345")
    assert d.engine.supplementary == {}
    assert "no supplementary rating code" in d.refused("rate_supplementary", code="ZERA2345", level=4)


def commands_of_a_week():
    """Two days of services with codes, a case number, content change and ratings of both kinds."""
    c = []
    t = MON
    for day in range(2):
        t = MON + day * 86400
        c += [{"type": "login", "window": 1, "staff_code": "1001", "at": t}]
        for i in range(3):
            code = f"W{day}{i}AAAAA".replace("0", "Z").replace("1", "Y")
            t += 60
            c += [{"type": "issue_ticket", "service": "ZH", "sup_code": code, "matter": "M-1", "at": t},
                  {"type": "call_next", "window": 1, "at": t + 1}, {"type": "start", "window": 1, "at": t + 2},
                  {"type": "attach_case", "window": 1, "project_no": f"C{day}{i}", "at": t + 3},
                  {"type": "finish", "window": 1, "at": t + 4}]
        c += [{"type": "request_evaluation", "window": 1, "at": t + 5},
              {"type": "rate", "window": 1, "prompt": f"E{day + 1}", "level": 1, "reasons": ["01"], "at": t + 6},
              {"type": "logout", "window": 1, "at": t + 7}]
    c += [{"type": "set_content", "version": "p2", "reasons": [{"code": "A1", "text": "态度"}], "at": t + 10},
          {"type": "rate_supplementary", "code": "WZZAAAAA", "level": 2, "reasons": ["A1"], "at": t + 11},
          {"type": "rate_supplementary", "code": "WZZAAAAA", "level": 2, "at": t + 12},
          {"type": "followup", "id": "F1", "action": "start", "by": "m1", "at": t + 13},
          {"type": "tick", "at": t + 5 * 86400}]
    return c


def test_supplementary_and_follow_ups_survive_snapshot_restore_and_replay():
    cmds = commands_of_a_week()
    straight = Engine(HALL)
    outs = [straight.handle(dict(c)).to_dict() for c in cmds]
    assert [o["ok"] for o in outs].count(False) == 1  # the second supplementary rating
    assert {e["type"] for o in outs for e in o["events"]} >= {"case_attached", "content_changed", "followup_changed",
                                                             "followup_overdue", "rating_recorded"}
    for cut in (8, 20, len(cmds) - 4, len(cmds) - 1):
        e = Engine(HALL)
        for c in cmds[:cut]:
            e.handle(dict(c))
        e = Engine.restore(HALL, json.loads(json.dumps(e.snapshot())))
        assert [e.handle(dict(c)).to_dict() for c in cmds[cut:]] == outs[cut:]
        assert json.dumps(e.snapshot(), sort_keys=True) == json.dumps(straight.snapshot(), sort_keys=True)
    replay = Engine(HALL)
    for c in cmds:
        replay.handle(dict(c))
    assert json.dumps(replay.snapshot(), sort_keys=True) == json.dumps(straight.snapshot(), sort_keys=True)


def test_a_snapshot_from_before_these_fields_still_restores():
    d = Driver(HALL, start=MON)
    served(d)
    p = d.ok("request_evaluation", window=1)["prompt"]
    d.ok("rate", window=1, prompt=p, level=1)
    snap = json.loads(json.dumps(d.engine.snapshot()))
    for k in ("supplementary", "content", "content_codes", "content_source"):
        del snap[k]
    for t in snap["tickets"]:
        for k in ("matter", "project_no", "sup_code"):
            del t[k]
    for p in snap["prompts"]:
        p.pop("day"), p.pop("finished_at")
    old = snap["followups"][0]
    snap["followups"] = [{k: old[k] for k in ("id", "prompt", "window", "ticket", "staff", "service", "level",
                                              "reasons", "created_at", "contact_by", "rectify_by")} | {"status": "open"}]
    e = Engine.restore(HALL, snap)
    f = e.followups[0]
    assert (f["status"], f["eval_ref"], f["callbacks"], f["overdue"]) == ("pending", f["prompt"], [], False)
    assert e.content == {"version": "h1", "reasons": [{"code": "01", "text": "服务态度差"},
                                                      {"code": "02", "text": "办事效率低"}]}
    assert e.tickets["2026-11-23-A001"]["matter"] is None
    assert e.handle({"type": "followup", "id": "F1", "action": "start", "by": "m1", "at": d.now + 1}).ok


def test_content_versions_check_ratings_against_the_list_shown():
    d = Driver(HALL, start=MON)
    assert d.engine.content["version"] == "h1" and d.engine.bad_reasons == {"01", "02"}
    new = [{"code": "P-01", "text": "服务态度差"}, {"code": "P_02", "text": "材料反复提交"}]
    out = d("set_content", version="2026.11", reasons=new, source="upstream")
    assert kinds(out, "content_changed")[0] | {"at": 0} == {"type": "content_changed", "at": 0, "version": "2026.11",
                                                            "reasons": new, "previous": "h1", "source": "upstream"}
    assert d.engine.content == {"version": "2026.11", "reasons": new} and d.engine.bad_reasons == {"P-01", "P_02"}
    assert d.engine.content_codes == {"h1": ["01", "02"], "2026.11": ["P-01", "P_02"]}
    assert "already current" in d.refused("set_content", version="2026.11", reasons=new)
    for bad in ([], [{"code": "x y", "text": "t"}], [{"code": "a", "text": "t" * 25}], [{"code": "a"}],
                [{"code": "a", "text": "t"}] * 2, [{"code": f"c{i}", "text": "t"} for i in range(13)], ["01"]):
        assert d.refused("set_content", version="v9", reasons=bad).startswith("set_content:")
    assert "version" in d.refused("set_content", version="v" * 33, reasons=new)
    for rv, given, known, unknown in (("h1", ["01", "P-01"], ["01"], ["P-01"]),  # an evaluator still on h1
                                      ("2026.11", ["01", "P-01"], ["P-01"], ["01"]),
                                      (None, ["P_02"], ["P_02"], []),  # no version said: the current one
                                      ("never-seen", ["P_02", "02"], ["P_02"], ["02"])):
        served(d)
        p = d.ok("request_evaluation", window=1)["prompt"]
        rec = d.ok("rate", window=1, prompt=p, level=1, reasons=given, rv=rv)
        assert (rec["reasons"], rec.get("unknown_reasons", []), rec["reasons_version"]) == \
            (known, unknown, rv or "2026.11")
    e2 = Engine.restore(HALL, json.loads(json.dumps(d.engine.snapshot())))
    assert (e2.content, e2.content_codes, e2.bad_reasons) == (d.engine.content, d.engine.content_codes,
                                                              d.engine.bad_reasons)


@pytest.mark.parametrize("field,value", [("code", "abc"), ("code", None), ("level", 0)])
def test_malformed_supplementary_ratings_are_refused(field, value):
    d = Driver(HALL, start=MON)
    cmd = {"code": "GXXD2345", "level": 3, field: value}
    assert d.refused("rate_supplementary", **cmd).startswith("rate_supplementary:")
