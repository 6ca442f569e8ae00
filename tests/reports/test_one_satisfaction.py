"""满意度 is one figure: the hall screen's band, the dashboard's live band, the clerks' statistics,
the day's report, its CSV, XLSX and PDF, and the weekly trend all count the same ratings the same
way (gateway/engine/satisfaction.py), over a real runtime and its HTTP routes.

Two service days: on Monday a citizen is served and does not rate at the window; on Tuesday one
citizen rates 5 at the window, one served on Tuesday rates 1 by the ticket's code (补充评价), and
Monday's citizen rates 2 by code. Tuesday's 满意度 is 1 of 2 = 50 % everywhere (a 补充评价 counts);
Monday's is 0 % (a rating counts for the day of the service it judges); the week's is 1 of 3."""
import csv
import io
import re
import subprocess

import pytest

from gateway.runtime import Runtime
from tests.reports.serving import CLERK, auth, caught_up, served
from tests.support.hallday import at

MON, TUE = at(2026, 11, 23, 9, 0), at(2026, 11, 24, 9, 0)
NOW = TUE + 3600


def run(rt, cmd):
    out = rt.submit(cmd)
    assert out.ok, (cmd, out.refusal)
    return out.result


def serve(rt, t, sup_code=None):
    run(rt, {"type": "issue_ticket", "at": t, "service": "ZH", **({"sup_code": sup_code} if sup_code else {})})
    run(rt, {"type": "call_next", "at": t + 10, "window": 1})
    run(rt, {"type": "start", "at": t + 20, "window": 1})
    run(rt, {"type": "finish", "at": t + 200, "window": 1, "case_type": "immediate"})


@pytest.fixture(scope="module")
def hall_day(county, tmp_path_factory):
    data = tmp_path_factory.mktemp("one-satisfaction")
    rt = Runtime(county, data)
    run(rt, {"type": "login", "at": MON, "window": 1, "staff_code": "1001"})
    serve(rt, MON + 60, sup_code="MNDY2345")  # Monday: served, not rated at the window
    serve(rt, TUE + 60)
    prompt = run(rt, {"type": "request_evaluation", "at": TUE + 270, "window": 1})["prompt"]
    run(rt, {"type": "rate", "at": TUE + 280, "window": 1, "prompt": prompt, "level": 5})
    serve(rt, TUE + 600, sup_code="TSDY2345")
    run(rt, {"type": "rate_supplementary", "at": TUE + 1200, "code": "TSDY2345", "level": 1, "reasons": ["05"]})
    run(rt, {"type": "rate_supplementary", "at": TUE + 1300, "code": "MNDY2345", "level": 2, "reasons": ["02"]})

    with served(rt, data, NOW, screen=True) as client:
        assert caught_up(client)["seq"] == rt.store.seq
        yield client
    rt.close()


def test_the_band_the_screen_the_dashboard_and_every_report_say_one_number(hall_day, tmp_path):
    c = hall_day
    found = {}
    band = c.get(f"/api/v1/screen?key={c.screen_key}").json()["band"]
    found["hall screen"] = (band["satisfaction_pct"], band["rated"])
    today = c.get("/api/v1/dashboard", headers=auth()).json()["today"]
    found["dashboard band"] = (round(100 * today["satisfaction_rate"], 1), today["rated"])
    ev = c.get("/api/v1/stats/today", headers=auth(CLERK)).json()["evaluation"]
    found["clerks' statistics"] = (round(100 * ev["satisfaction_rate"], 1), ev["day_rated"])
    rep = c.get("/api/v1/reports?period=day&date=2026-11-24", headers=auth()).json()
    r = rep["totals"]["ratings"]
    found["day report"] = (round(100 * r["satisfaction_rate"], 1), r["rated"])
    w1 = next(w for w in rep["windows"] if w["window"] == 1)["ratings"]
    found["day report, window 1"] = (round(100 * w1["satisfaction_rate"], 1), w1["rated"])

    q = "period=day&date=2026-11-24"
    rows = list(csv.reader(io.StringIO(c.get(f"/api/v1/reports/export?format=csv&{q}", headers=auth())
                                       .content.decode("utf-8-sig"))))
    overview = {row[0]: row[1] for row in rows if len(row) == 2}
    found["CSV"] = (float(overview["满意度(%)"]), int(overview["评价数"]))
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(c.get(f"/api/v1/reports/export?format=xlsx&{q}", headers=auth()).content))
    sheet = {row[0]: row[1] for row in wb["总览"].iter_rows(values_only=True)}
    found["XLSX"] = (sheet["满意度(%)"], sheet["评价数"])
    pdf = tmp_path / "day.pdf"
    pdf.write_bytes(c.get(f"/api/v1/reports/export?format=pdf&{q}", headers=auth()).content)
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())  # a sentence may wrap anywhere
    said = re.search(r"收到评价(\d+)条（其中补充评价\d+条），满意度([\d.]+)%", text)
    found["PDF"] = (float(said[2]), int(said[1])) if said else text

    assert found == dict.fromkeys(found, (50.0, 2))
    assert r["supplementary"] == 1 and r["levels"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}


def test_a_later_rating_counts_for_the_day_of_the_service_it_judges(hall_day):
    c = hall_day
    monday = c.get("/api/v1/reports?period=day&date=2026-11-23", headers=auth()).json()["totals"]["ratings"]
    assert (monday["rated"], monday["satisfaction_rate"], monday["supplementary"]) == (1, 0.0, 1)
    week = c.get("/api/v1/reports?period=week&date=2026-11-24", headers=auth()).json()["totals"]["ratings"]
    assert (week["rated"], week["satisfied"]) == (3, 1)
    trend = c.get("/api/v1/reports/trend?weeks=2&date=2026-11-24", headers=auth()).json()
    assert trend["hall"]["rated"] == [0, 3]
    assert trend["hall"]["satisfaction_rate"] == [None, week["satisfaction_rate"]]
