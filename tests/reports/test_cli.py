"""hallgw reports rebuild / show on a copy of the fortnight's data directory."""
import shutil
from pathlib import Path

from openpyxl import load_workbook

from gateway.cli import main

COUNTY = str(Path(__file__).resolve().parents[2] / "hall_config" / "county.toml")


def test_rebuild_and_show(fortnight, tmp_path, capsys):
    shutil.copy(fortnight[0] / "hall.db", tmp_path / "hall.db")
    d = str(tmp_path)
    assert main(["reports", "rebuild", "--config", COUNTY, "--data-dir", d]) == 0
    assert "reports.db rebuilt from" in capsys.readouterr().out
    assert main(["reports", "show", "--config", COUNTY, "--data-dir", d, "--period", "week", "--date",
                 "2026-10-08"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("某某县政务服务中心 2026年10月5日至10月11日（2026年第41周） 周考勤")
    assert "调休工作日: 2026-10-10" in out
    assert main(["reports", "show", "--config", COUNTY, "--data-dir", d, "--period", "month", "--date",
                 "2026-10-01", "--format", "xlsx", "--out", str(tmp_path / "m.xlsx")]) == 0
    assert load_workbook(tmp_path / "m.xlsx").sheetnames[0] == "总览"
    assert main(["reports", "show", "--config", COUNTY, "--data-dir", d, "--period", "year"]) == 2
    assert "period must be one of" in capsys.readouterr().err
    assert main(["reports", "show", "--config", COUNTY, "--data-dir", d, "--format", "pdf"]) == 2
