"""What a supervisor downloads reads in the hall's words: every CSV, XLSX cell and PDF page of the
fortnight's reports (a day, a week, a month, a range, filtered by window and by staff member) is
scanned for English words, codes and ISO timestamps (tests/support_words.py); the XLSX keeps
numbers, dates and times as real cells; the 差评 rows name the service, matter, window, clerk,
level and reasons; the charts' text is at least 12 px and the weekly trend draws no 0 % for a
week without ratings."""
import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from gateway.engine.satisfaction import LEVEL_CN
from gateway.reports import charts, export
from gateway.reports.report import report
from gateway.reports.store import ReportStore
from gateway.reports.trend import trend
from tests.support.words import configured_words, english_or_iso, pdf_text, xlsx_problems

NOW = dt.datetime(2026, 10, 20, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
REPORTS = [("day", {"date": "2026-10-08"}), ("week", {"date": "2026-09-30"}), ("month", {"date": "2026-10-01"}),
           ("range", {"first": "2026-09-28", "last": "2026-10-11"}),
           ("week", {"date": "2026-10-09", "window": 5}), ("range", {"first": "2026-09-28", "last": "2026-10-11",
                                                                      "staff": "s009"})]


@pytest.fixture(scope="module")
def store(fortnight, county, tmp_path_factory):
    s = ReportStore.rebuilt(tmp_path_factory.mktemp("words") / "reports.db", county, fortnight[0] / "hall.db")
    yield s
    s.close()


@pytest.fixture(scope="module")
def exports(store, county):
    """Each report above and its three exports: [(name, report, csv, xlsx, pdf)]."""
    out = []
    for kind, q in REPORTS:
        rep = report(store, county, kind, now=NOW, **q)
        out.append((f"{kind} {q}", rep, export.to_csv(rep), export.to_xlsx(rep), export.to_pdf(rep)))
    return out


def test_the_scan_finds_what_it_is_for():
    assert english_or_iso("生成于 2026-10-20T00:00:00+08:00，wait_s 0.2") == ["2026-10-20T00:00:00+08:00", "wait_s"]
    assert english_or_iso("业务 SB，原因 02、05，ratings at levels 3-5") == ["SB", "ratings", "at", "levels"]
    assert english_or_iso("A001 号 s001 王芳 2026-10-20 09:10 满意度 98.0% 扫 QR 码 12:00-13:00 导出 PDF") == []
    assert english_or_iso("09:10:00+08:00") == ["09:10:00+08:00"]
    assert english_or_iso("VIP窗口", {"VIP"}) == []


def test_exports_are_in_the_halls_words(exports, county):
    allow = configured_words(county)
    found = {}
    for name, _rep, csv_bytes, xlsx_bytes, pdf_bytes in exports:
        assert csv_bytes.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens the Chinese
        found[f"{name} CSV"] = english_or_iso(csv_bytes.decode("utf-8-sig"), allow)
        found[f"{name} XLSX"] = xlsx_problems(xlsx_bytes, allow)
        text = pdf_text(pdf_bytes)
        assert "口径说明" in text and "等候时长 = 取号到首次叫号的时间" in text
        found[f"{name} PDF"] = english_or_iso(text, allow)
    assert found == dict.fromkeys(found, [])


def test_bad_ratings_are_named_and_timed_as_people_read_them(exports, county):
    _name, rep, csv_bytes, xlsx_bytes, pdf_bytes = exports[3]  # the whole fortnight
    bad = rep["ratings_bad"]
    assert len(bad) >= 5
    reasons = {r.text for r in county.evaluation.reasons}
    services = {s.name for s in county.services}
    matters = {m.name for s in county.services for m in s.matters}
    staff = {s.name: s.id for s in county.staff}
    sheet = list(load_workbook(io.BytesIO(xlsx_bytes))["差评"].iter_rows(values_only=True))
    head, rows = sheet[0], sheet[1:]
    assert head == ("评价时间", "票号", "业务", "事项", "窗口", "人员", "工号", "评价", "差评原因", "来源", "办结时间",
                    "整改单", "整改状态")
    assert len(rows) == len(bad)
    for row, a in zip(rows, bad, strict=True):
        col = dict(zip(head, row, strict=True))
        assert col["评价时间"] == dt.datetime.fromisoformat(a["rated_at"]).replace(tzinfo=None)
        assert col["业务"] in services and col["事项"] in matters
        assert col["窗口"] == next(w.display_text for w in county.windows if w.number == a["window"])
        assert staff[col["人员"]] == col["工号"] == a["staff"]
        assert col["评价"] == LEVEL_CN[a["level"]] in ("不满意", "非常不满意")
        assert set(col["差评原因"].split("、")) <= reasons
        assert col["来源"] in ("窗口评价器", "补充评价")
    # The CSV and the PDF say the same, with the time as 2026-09-29 15:51.
    lines = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    first = lines[lines.index(["【差评】"]) + 2]
    when = dt.datetime.fromisoformat(bad[0]["rated_at"])
    assert first[:3] == [when.strftime("%Y-%m-%d %H:%M"), bad[0]["number"], rows[0][2]]
    text = pdf_text(pdf_bytes)
    assert "差评明细" in text and rows[0][8].split("、")[0] in text


def test_xlsx_cells_are_typed_and_columns_fit(exports):
    wb = load_workbook(io.BytesIO(exports[2][3]))  # the month
    assert wb.sheetnames == ["总览", "每日", "窗口", "业务", "人员", "差评", "告警"]
    days = wb["每日"]
    assert isinstance(days["A2"].value, dt.datetime) and days["A2"].number_format == "yyyy-mm-dd"
    assert isinstance(days["D2"].value, int) and days["D2"].number_format == "0"
    alerts = wb["告警"]
    assert isinstance(alerts["D2"].value, dt.datetime) and alerts["D2"].number_format == "yyyy-mm-dd hh:mm"
    overview = {r[0].value: r[1] for r in wb["总览"].iter_rows()}
    assert overview["生成时间"].number_format == "yyyy-mm-dd hh:mm"
    assert overview["满意度(%)"].number_format == "0.0" and isinstance(overview["满意度(%)"].value, float)
    # Columns as wide as their content, a CJK character counting two: the clerks' pause reasons
    # are wider than their names, a window's name wider than its number.
    staff = wb["人员"]
    width = {c.value: staff.column_dimensions[c.column_letter].width for c in staff[1]}
    longest = max(len(str(r[9].value or "")) for r in staff.iter_rows(min_row=2))
    assert width["暂停原因"] >= 2 * longest and width["姓名"] >= 6 and width["工号"] < width["暂停原因"]
    windows = wb["窗口"]
    assert windows.column_dimensions["B"].width >= 2 * len("13号 不动产登记") - 1 > windows.column_dimensions["A"].width


def svg_font_sizes(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r"font-size[=:]\s*\"?([\d.]+)", svg)]


def test_chart_text_is_at_least_12_px_as_drawn(exports, store, county):
    rep = exports[2][1]  # a month: slanted dates
    tr = trend(store, county, 12, "2026-10-09", None, None, NOW)
    drawings = [fn(rep) for fn in charts.CHARTS.values()] + [charts.trend(tr)]
    for d in drawings:
        sizes = svg_font_sizes(charts.svg(d))
        assert sizes and min(sizes) >= charts.MIN_FONT, d
        assert d.width <= 515  # the PDF's page holds it without scaling its text down
    # One page holds them all: each SVG's ids are its own (a shared clip-path cut every chart to the first's size).
    ids = re.findall(r'id="([^"]+)"', "".join(charts.svgs(rep).values()) + charts.svg(charts.trend(tr), "trend"))
    assert len(ids) == len(set(ids)) >= 10
    assert "<title>各窗口满意度（%）</title>" in charts.svgs(rep)["satisfaction"]


def lines(svg: str) -> list[int]:
    """The points of each drawn line of a chart's SVG."""
    return [len(p.split(",")) for p in re.findall(r'<polyline points="([^"]*)"', svg)]


def test_the_weekly_trend_draws_no_line_through_weeks_without_ratings(store, county):
    tr = trend(store, county, 4, "2026-10-09", None, None, NOW)
    # 09-14 and 09-21: nothing yet; 09-28 and 10-05 rated.
    assert [w["from"] for w in tr["weeks"]] == ["2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05"]
    assert tr["hall"]["satisfaction_rate"][:2] == [None, None] and None not in tr["hall"]["satisfaction_rate"][2:]
    svg = charts.svg(charts.trend(tr))
    assert lines(svg) == [2]  # the two rated weeks, joined; nothing drawn at 0 % for the others
    assert svg.count(">无</text>") == 2 and svg.count(">数</text>") == 2  # 无数据 written at each empty week
    # A week without ratings between two rated ones splits the line: one series per run.
    assert charts.runs([90.0, None, 95.0, 96.0]) == [[90.0, None, None, None], [None, None, 95.0, 96.0]]
    gap = {**tr, "hall": {"rated": [3, 0, 4, 5], "satisfaction_rate": [0.9, None, 0.95, 0.96]}}
    assert lines(charts.svg(charts.trend(gap))) == [1, 2]
    empty = {**tr, "hall": {"rated": [0] * 4, "satisfaction_rate": [None] * 4}}  # a new hall: no rating yet
    svg = charts.svg(charts.trend(empty))
    assert lines(svg) == [] and svg.count(">无</text>") == 4
