"""The report as titled tables with Chinese headings: one model for the CSV, the XLSX sheets
and the PDF's tables, so the three exports say the same thing. Numbers stay numbers (minutes
and hours rounded to 0.1, rates as percentages); a missing figure is None (empty cell)."""
from __future__ import annotations

from gateway.engine.followup import STATUS_CN
from gateway.reports.live import ALERT_CN, LEVEL_CN

KIND_CN = {"day": "日检查", "week": "周考勤", "month": "月通报", "quarter": "季考核", "range": "统计报表"}
CASES = (("immediate", "即办件"), ("promised", "承诺件"), ("joint", "联办件"), ("reported", "上报件"),
         ("refused", "退办件"))
FIG_HEAD = ["取号", "叫号", "办结", "未到", "转办", "取消", "作废", "平均等候(分)", "P90等候(分)", "最长等候(分)",
            "平均办理(分)", "空闲(时)", "评价数", "满意度(%)", "参评率(%)", "差评", *(cn for _, cn in CASES)]
SOURCE_CN = {"evaluator": "窗口评价器", "supplementary": "补充评价"}
POST_CN = {"A": "A岗", "B": "B岗", "none": "顶岗"}


def minutes(s: float | None) -> float | None:
    return None if s is None else round(s / 60, 1)


def hours(s: float | None) -> float | None:
    return None if s is None else round(s / 3600, 1)


def pct(r: float | None) -> float | None:
    return None if r is None else round(100 * r, 1)


def figures(f: dict) -> list:
    r = f["ratings"]
    return [f["issued"], f["called"], f["served"], f["no_show"], f["transferred"], f["cancelled"], f["voided"],
            minutes(f["wait_s"]["avg"]), minutes(f["wait_s"]["p90"]), minutes(f["wait_s"]["max"]),
            minutes(f["service_s"]["avg"]), hours(f["idle_s"]), r["rated"], pct(r["satisfaction_rate"]),
            pct(r["participation_rate"]), r["bad"], *(f["cases"].get(k, 0) for k, _ in CASES)]


def title(rep: dict) -> str:
    return f"{rep['hall']['name']} {rep['period']['label']} {KIND_CN[rep['period']['kind']]}"


def overview(rep: dict) -> list[tuple[str, object]]:
    t, cal, fu = rep["totals"], rep["calendar"], rep["followups"]
    r = t["ratings"]
    return [("服务大厅", rep["hall"]["name"]), ("统计期间", f"{rep['period']['from']} 至 {rep['period']['to']}"),
            ("报表", f"{rep['period']['label']} {KIND_CN[rep['period']['kind']]}"),
            ("生成时间", rep["generated_at"]), ("天数 / 工作日", f"{cal['days']} / {cal['working_days']}"),
            ("节假日", "、".join(cal["holidays"]) or "无"), ("调休工作日", "、".join(cal["adjusted_workdays"]) or "无"),
            ("取号", t["issued"]), ("办结", t["served"]), ("未到", t["no_show"]), ("转办", t["transferred"]),
            ("平均等候(分)", minutes(t["wait_s"]["avg"])), ("P90等候(分)", minutes(t["wait_s"]["p90"])),
            ("平均办理(分)", minutes(t["service_s"]["avg"])), ("评价数", r["rated"]),
            ("满意度(%)", pct(r["satisfaction_rate"])), ("参评率(%)", pct(r["participation_rate"])),
            ("差评", r["bad"]), ("差评整改 未办结 / 超期", f"{fu['open']} / {fu['overdue']}"),
            ("告警", len(rep["alerts"])), ("满意度口径", rep["definitions"]["satisfaction_rate"])]


def sections(rep: dict) -> list[tuple[str, list[str], list[list]]]:
    """(title, headings, rows) of every section: 总览, 每日, 窗口, 业务, 人员, 差评, 告警."""
    out = [("总览", ["项目", "数值"], [list(p) for p in overview(rep)])]
    out.append(("每日", ["日期", "工作日", *FIG_HEAD],
                [[d["date"], "是" if d["working"] else "否", *figures(d)] for d in rep["days"]]))
    out.append(("窗口", ["窗口", "名称", *FIG_HEAD], [[w["window"], w["name"], *figures(w)] for w in rep["windows"]]))
    out.append(("业务", ["业务", "名称", *FIG_HEAD], [[s["service"], s["name"], *figures(s)] for s in rep["services"]]))
    staff_head = ["工号", "姓名", "出勤天数", "登录次数", "A岗", "B岗", "顶岗", "在岗(时)", "暂停(时)", "暂停原因",
                  "差评数", *FIG_HEAD]
    rows = []
    for s in rep["staff"]:
        a = s["attendance"]
        pauses = "、".join(f"{k}{v}次" for k, v in sorted(a["pauses"].items()))
        rows.append([s["staff"], s["name"], a["days_present"], a["logins"], *(a["posts"][k] for k in POST_CN),
                     hours(a["logged_in_s"]), hours(a["paused_s"]), pauses, len(s["bad_ratings"]), *figures(s)])
    out.append(("人员", staff_head, rows))
    out.append(("差评", ["评价时间", "票号", "业务", "窗口", "人员", "等级", "原因", "来源", "办结时间", "整改单", "整改状态"],
                [[a["rated_at"], a["number"], a["service"], a["window"], a["staff"],
                  f"{a['level']} {LEVEL_CN[a['level']]}", "、".join(a["reasons"]), SOURCE_CN.get(a["source"]),
                  a["served_at"], (a["followup"] or {}).get("id"),
                  STATUS_CN.get((a["followup"] or {}).get("status"), (a["followup"] or {}).get("status"))]
                 for a in rep["ratings_bad"]]))
    out.append(("告警", ["类型", "窗口", "业务", "开始", "结束", "时长(分)"],
                [[ALERT_CN.get(a["kind"], a["kind"]), a["window"], a["service"], a["started"], a["ended"],
                  minutes(a["duration_s"])] for a in rep["alerts"]]))
    return out
