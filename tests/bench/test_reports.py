"""hall-bench reports on a small plan: it runs end to end and prints its figures (the
figures themselves are never asserted: they depend on the machine)."""
from bench.cli import main
from tests.bench.test_cli import figures


def test_bench_reports_smoke(tmp_path, capsys):
    rc = main(["reports", "--windows", "3", "--days", "3", "--first", "2026-09-28", "--tickets-per-day", "30",
               "--reports", "3", "--updates", "6", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    lines = {line.split(":")[0]: line for line in out.splitlines()}
    for key in ("log", "build", "month report", "dashboard"):
        assert key in lines, out
    assert {"build_s", "month_p50_ms", "dashboard_p99_ms"} <= set(figures(out))
    assert "commit -> update on the stream" in lines["dashboard"]
    # A second run reuses the simulated log of the same plan.
    assert main(["reports", "--windows", "3", "--days", "3", "--first", "2026-09-28", "--tickets-per-day",
                 "30", "--reports", "2", "--updates", "2", "--workdir", str(tmp_path)]) == 0
    assert "reused from an earlier run" in capsys.readouterr().out
