"""The report routes over a real runtime and the fortnight's log: the supervisor's token (bearer
or the dashboard's cookie) and nobody else's; 422 with the reason for a bad query; the exports
open (openpyxl reads the XLSX back, pdftoppm renders the PDF, pdftotext finds the hall's name
and totals); the store follows the running gateway."""
import csv
import io
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.runtime import Runtime
from tests.reports.serving import CLERK, SUPERVISOR, served

NOW = 1791849600.0  # 2026-10-13 08:00 +08:00, after the fortnight


@pytest.fixture(scope="module")
def gw(fortnight, county, tmp_path_factory):
    data = tmp_path_factory.mktemp("api")
    shutil.copy(fortnight[0] / "hall.db", data / "hall.db")
    rt = Runtime(county, data)
    with served(rt, data, NOW) as client:
        yield client
    rt.close()


def auth(token=SUPERVISOR):
    return {"Authorization": f"Bearer {token}"}


def test_reports_need_the_supervisor_token(gw):
    for headers in ({}, auth("wrong"), auth(CLERK)):
        for url in ("/api/v1/reports?period=week&date=2026-09-30", "/api/v1/reports/export?format=csv",
                    "/api/v1/reports/charts", "/api/v1/reports/trend", "/api/v1/dashboard"):
            r = gw.get(url, headers=headers)
            assert r.status_code == 401, (url, headers)
    assert gw.get("/dashboard").status_code == 401
    assert gw.get("/dashboard?key=wrong", follow_redirects=False).status_code == 401
    # Opened once with the key: an HttpOnly cookie, and the key leaves the address bar.
    r = gw.get(f"/dashboard?key={SUPERVISOR}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    assert "httponly" in r.headers["set-cookie"].lower()
    # The cookie is signed with the hall's page key, never the token itself (which opens nothing as one).
    cookie = r.cookies["hall_supervisor"]
    assert SUPERVISOR not in cookie
    raw = TestClient(gw.app)
    raw.cookies.set("hall_supervisor", SUPERVISOR)
    assert raw.get("/dashboard").status_code == 401
    c = TestClient(gw.app)
    c.cookies.set("hall_supervisor", cookie)
    assert c.get("/dashboard").status_code == 200
    assert c.get("/api/v1/reports?period=day&date=2026-09-30").status_code == 200


@pytest.mark.parametrize("query,reason", [
    ("period=year", "period must be one of day, week, month, quarter, range, not 'year'"),
    ("period=day&date=2026-13-01", "date '2026-13-01' is not a date of the calendar"),
    ("period=day&date=30.09.2026", "date must be a date YYYY-MM-DD, not '30.09.2026'"),
    ("period=range&from=2026-10-01", "period=range needs both from= and to= (YYYY-MM-DD, inclusive)"),
    ("period=range&from=2026-10-09&to=2026-10-01", "from (2026-10-09) is after to (2026-10-01)"),
    ("period=range&from=2025-01-01&to=2026-10-01", "a range is at most 366 days; 2025-01-01 to 2026-10-01 is 639"),
    ("period=week&from=2026-10-01", "from= and to= go with period=range; period=week takes date="),
    ("period=week&window=99", "unknown window 99 (the hall's windows: 1, 2,"),
    ("period=week&service=XX", "unknown service 'XX' (the hall's services: ZH,"),
    ("period=week&staff=nobody", "unknown staff member 'nobody' (staff are named by id, e.g. s001)"),
])
def test_a_bad_query_gets_422_with_its_reason(gw, query, reason):
    r = gw.get(f"/api/v1/reports?{query}", headers=auth())
    assert r.status_code == 422
    assert r.json()["detail"].startswith(reason)


def test_malformed_parameters_and_formats(gw):
    r = gw.get("/api/v1/reports?period=week&window=abc", headers=auth())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "window"]
    r = gw.get("/api/v1/reports/export?format=doc&period=week", headers=auth())
    assert r.status_code == 422 and r.json()["detail"] == "format must be one of csv, xlsx, pdf, not 'doc'"


def test_the_exports_open(gw, tmp_path):
    q = "period=week&date=2026-09-30"
    rep = gw.get(f"/api/v1/reports?{q}", headers=auth()).json()
    served, rated = rep["totals"]["served"], rep["totals"]["ratings"]["rated"]
    assert served > 100

    r = gw.get(f"/api/v1/reports/export?format=csv&{q}", headers=auth())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="county-demo-2026-09-28-2026-10-04.csv"' in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    titles = [row[0] for row in rows if row and row[0].startswith("【")]
    assert titles == ["【总览】", "【每日】", "【窗口】", "【业务】", "【人员】", "【差评】", "【告警】"]
    assert ["办结", str(served)] in rows

    r = gw.get(f"/api/v1/reports/export?format=xlsx&{q}", headers=auth())
    assert r.status_code == 200
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["总览", "每日", "窗口", "业务", "人员", "差评", "告警"]
    overview = {row[0]: row[1] for row in wb["总览"].iter_rows(values_only=True)}
    assert overview["办结"] == served and overview["评价数"] == rated  # numbers stay numbers
    days = list(wb["每日"].iter_rows(values_only=True))
    assert days[0][:5] == ("日期", "星期", "工作日", "取号", "叫号") and len(days) == 8
    assert sum(row[5] for row in days[1:]) == served
    staff = list(wb["人员"].iter_rows(values_only=True))
    assert len(staff) - 1 == len(rep["staff"])
    assert len(list(wb["差评"].iter_rows(values_only=True))) - 1 == len(rep["ratings_bad"])

    r = gw.get(f"/api/v1/reports/export?format=pdf&{q}", headers=auth())
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = tmp_path / "week.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 5000 for p in pages)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert "某某县政务服务中心" in text
    assert f"办结 {served} 件" in text and f"收到评价 {rated} 条" in text
    assert "差评明细" in text and "各窗口满意度" in text
    shots = os.environ.get("HALL_SCREENSHOTS")
    if shots:
        pdf_shots(gw, Path(shots), tmp_path)


def pdf_shots(gw, shots: Path, tmp_path: Path) -> None:
    """October's 月通报 as a supervisor sees it (docs/screenshots): its first two pages, and the
    page of its 差评 (report-pdf-chaping.png)."""
    shots.mkdir(parents=True, exist_ok=True)
    pdf = tmp_path / "month.pdf"
    pdf.write_bytes(gw.get("/api/v1/reports/export?format=pdf&period=month&date=2026-10-01", headers=auth()).content)
    render = ["pdftoppm", "-r", "80", "-png", "-singlefile"]
    for page in (1, 2):
        subprocess.run([*render, "-f", str(page), "-l", str(page), str(pdf), str(shots / f"report-pdf-{page}")],
                       check=True, timeout=60)
    page = 1
    while "差评明细" not in subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                                         capture_output=True, text=True, check=True, timeout=60).stdout:
        page += 1
    subprocess.run([*render, "-f", str(page), "-l", str(page), str(pdf), str(shots / "report-pdf-chaping")],
                   check=True, timeout=60)


def test_charts_and_trend_are_svg_with_text(gw):
    r = gw.get("/api/v1/reports/charts?period=range&from=2026-09-28&to=2026-10-11&report=1", headers=auth()).json()
    assert set(r["charts"]) == {"days", "hours", "waits", "satisfaction"}
    assert all(s.startswith("<svg") for s in r["charts"].values())
    assert ">等候时长分布（分钟）</text>" in r["charts"]["waits"]
    assert r["report"]["period"]["kind"] == "range"
    t = gw.get("/api/v1/reports/trend?weeks=3&date=2026-10-09", headers=auth()).json()
    assert [w["from"] for w in t["weeks"]] == ["2026-09-21", "2026-09-28", "2026-10-05"]
    assert t["hall"]["rated"][0] == 0 and t["hall"]["rated"][1] > 0
    assert t["chart"].startswith("<svg")
    assert gw.get("/api/v1/reports/trend?date=tomorrow", headers=auth()).status_code == 422


def test_the_store_follows_the_running_gateway(gw):
    before = gw.get("/api/v1/reports?period=day&date=2026-10-13", headers=auth()).json()
    out = gw.runtime.submit({"type": "issue_ticket", "at": NOW + 3600, "service": "ZH"})  # 09:00
    assert out.ok, out.refusal
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = gw.get("/api/v1/reports?period=day&date=2026-10-13", headers=auth()).json()
        if after["seq"] >= gw.runtime.store.seq:
            break
        time.sleep(0.05)
    assert after["totals"]["issued"] == before["totals"]["issued"] + 1
    assert after["hours"][9]["issued"] == before["hours"][9]["issued"] + 1
