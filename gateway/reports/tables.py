"""The report as titled tables for people: one model for the CSV, the XLSX sheets and the PDF's
tables, so the three exports say the same thing, with Chinese headings and names (services,
matters, windows, staff, levels, 差评 reasons, alert kinds), never codes.

Cells keep their type: int and float (minutes and hours rounded to 0.1, rates as percentages),
str, dt.date and dt.datetime (the hall's local time, without a zone), None for a missing figure
(an empty cell). Each export writes them its own way (`text` for the CSV and the PDF)."""
from __future__ import annotations

import datetime as dt
import unicodedata

from gateway.engine.satisfaction import DEFINITION, percent

KIND_CN = {"day": "日检查", "week": "周考勤", "month": "月通报", "quarter": "季考核", "range": "统计报表"}
CASES = (("immediate", "即办件"), ("promised", "承诺件"), ("joint", "联办件"), ("reported", "上报件"),
         ("refused", "退办件"))
FIG_HEAD = ["取号", "叫号", "办结", "未到", "转办", "取消", "作废", "平均等候(分)", "90%分位等候(分)", "最长等候(分)",
            "平均办理(分)", "空闲(时)", "评价数", "满意度(%)", "参评率(%)", "差评", *(cn for _, cn in CASES)]
POST_CN = {"A": "A岗", "B": "B岗", "none": "顶岗"}
WEEKDAY_CN = "一二三四五六日"


def minutes(s: float | None) -> float | None:
    return None if s is None else round(s / 60, 1)


def hours(s: float | None) -> float | None:
    return None if s is None else round(s / 3600, 1)


pct = percent  # a rate as the percentage people read (satisfaction.py)


def local(iso: str | None) -> dt.datetime | None:
    """The report's ISO time (the hall's local time with its offset) as a local time without a zone."""
    return None if iso is None else dt.datetime.fromisoformat(iso).replace(tzinfo=None)


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def text(v) -> str:
    """A cell as people read it: 2026-12-09 09:10, 2026-12-09, 98.0, "" for nothing."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def cn_time(v: dt.datetime) -> str:
    """2026年12月9日 09:10, for sentences."""
    return f"{v.year}年{v.month}月{v.day}日 {v:%H:%M}"


def width(v) -> int:
    """The cell's width in half-width character cells: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text(v))


def figures(f: dict) -> list:
    r = f["ratings"]
    return [f["issued"], f["called"], f["served"], f["no_show"], f["transferred"], f["cancelled"], f["voided"],
            minutes(f["wait_s"]["avg"]), minutes(f["wait_s"]["p90"]), minutes(f["wait_s"]["max"]),
            minutes(f["service_s"]["avg"]), hours(f["idle_s"]), r["rated"], pct(r["satisfaction_rate"]),
            pct(r["participation_rate"]), r["bad"], *(f["cases"].get(k, 0) for k, _ in CASES)]


def dates(isos: list[str]):
    """A list of days in one cell: 无, the one day (a date cell), or the days as text."""
    return "无" if not isos else day(isos[0]) if len(isos) == 1 else "、".join(isos)


def title(rep: dict) -> str:
    return f"{rep['hall']['name']} {rep['period']['label']} {KIND_CN[rep['period']['kind']]}"


def overview(rep: dict) -> list[tuple[str, object]]:
    t, cal, fu = rep["totals"], rep["calendar"], rep["followups"]
    r = t["ratings"]
    return [("服务大厅", rep["hall"]["name"]), ("统计期间", f"{rep['period']['from']} 至 {rep['period']['to']}"),
            ("报表", f"{rep['period']['label']} {KIND_CN[rep['period']['kind']]}"),
            ("生成时间", local(rep["generated_at"])), ("天数 / 工作日", f"{cal['days']} / {cal['working_days']}"),
            ("节假日", dates(cal["holidays"])), ("调休工作日", dates(cal["adjusted_workdays"])),
            ("取号", t["issued"]), ("办结", t["served"]), ("未到", t["no_show"]), ("转办", t["transferred"]),
            ("平均等候(分)", minutes(t["wait_s"]["avg"])), ("90%分位等候(分)", minutes(t["wait_s"]["p90"])),
            ("平均办理(分)", minutes(t["service_s"]["avg"])), ("评价数", r["rated"]), ("其中补充评价", r["supplementary"]),
            ("满意度(%)", pct(r["satisfaction_rate"])), ("参评率(%)", pct(r["participation_rate"])),
            ("差评", r["bad"]), ("差评整改 未办结 / 超期", f"{fu['open']} / {fu['overdue']}"),
            ("告警", len(rep["alerts"])), ("满意度口径", DEFINITION)]


def sections(rep: dict) -> list[tuple[str, list[str], list[list]]]:
    """(title, headings, rows) of every section: 总览, 每日, 窗口, 业务, 人员, 差评, 告警."""
    out = [("总览", ["项目", "数值"], [list(p) for p in overview(rep)])]
    out.append(("每日", ["日期", "星期", "工作日", *FIG_HEAD],
                [[day(d["date"]), WEEKDAY_CN[day(d["date"]).weekday()], "是" if d["working"] else "否", *figures(d)]
                 for d in rep["days"]]))
    out.append(("窗口", ["窗口号", "窗口", *FIG_HEAD], [[w["window"], w["name"], *figures(w)] for w in rep["windows"]]))
    out.append(("业务", ["业务", *FIG_HEAD], [[s["name"], *figures(s)] for s in rep["services"]]))
    staff_head = ["工号", "姓名", "出勤天数", "登录次数", "A岗", "B岗", "顶岗", "在岗(时)", "暂停(时)", "暂停原因",
                  "差评数", *FIG_HEAD]
    rows = []
    for s in rep["staff"]:
        a = s["attendance"]
        pauses = "、".join(f"{k}{v}次" for k, v in sorted(a["pauses"].items()))
        rows.append([s["staff"], s["name"], a["days_present"], a["logins"], *(a["posts"][k] for k in POST_CN),
                     hours(a["logged_in_s"]), hours(a["paused_s"]), pauses, len(s["bad_ratings"]), *figures(s)])
    out.append(("人员", staff_head, rows))
    out.append(("差评", BAD_HEAD, [bad_row(a) for a in rep["ratings_bad"]]))
    out.append(("告警", ["类型", "窗口", "业务", "开始", "结束", "时长(分)"],
                [[a["name"], a["window_name"], a["service_name"], local(a["started"]), local(a["ended"]),
                  minutes(a["duration_s"])] for a in rep["alerts"]]))
    return out


BAD_HEAD = ["评价时间", "票号", "业务", "事项", "窗口", "人员", "工号", "评价", "差评原因", "来源", "办结时间", "整改单",
            "整改状态"]


def bad_row(a: dict) -> list:
    """One 差评 with its attribution: when, which ticket, service and matter, where, by whom."""
    f = a["followup"] or {}
    return [local(a["rated_at"]), a["number"], a["service_name"], a["matter_name"], a["window_name"],
            a["staff_name"], a["staff"], a["level_name"], "、".join(a["reason_texts"]), a["source_name"],
            local(a["served_at"]), f.get("id"), f.get("status_name")]
