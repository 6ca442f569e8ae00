"""`hall-bench flood` runs end to end on a small flood and ends with its figures (the issue's
20,000 messages and the minute after are for a person to run: the figures go in the closing note)."""
from bench.cli import main
from tests.bench.test_cli import figures


def test_the_flood_benchmark_ends_with_its_figures(tmp_path, capsys):
    assert main(["flood", "--broker", "mosquitto", "--messages", "2000", "--seconds", "2", "--settle", "1",
                 "--workdir", str(tmp_path)]) == 0
    f = figures(capsys.readouterr().out)
    assert f["broker"] == "mosquitto" and f["messages"] == "2000"
    assert int(f["dropped"]) > 0 and int(f["records_added"]) < 2000 // 4  # the budget held
    for key in ("rss_before_mb", "rss_peak_mb", "rss_after_mb", "rss_back_pct", "store_growth_bytes",
                "log_lines_added", "queue_p99_before_ms", "queue_p99_during_ms", "pad_call_ms"):
        float(f[key])
