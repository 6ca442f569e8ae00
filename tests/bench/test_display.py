"""`hall-bench display` and `hall-bench upstream` run end to end on a small hall and print their
figures in the agreed lines (the figures themselves are not judged: they are benchmarks)."""
import re
import subprocess
import sys

from tests.bench.test_cli import figures


def test_bench_prints_its_lines_for_both_modes(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bench.cli", "display", "--config", "hall_config/village.toml",
                        "--samples", "4", "--screens", "5", "--clerk-seconds", "1", "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()

    def line(prefix: str) -> str:
        found = [ln for ln in lines if ln.startswith(prefix)]
        assert len(found) == 1, (prefix, r.stdout)
        return found[0]
    for mode in ("full", "light"):
        summary = line(f"display mode={mode}: 4/4 calls")
        assert f"display mode={mode}: 4/4 calls seen on the display; 4/4 on the screen page; " \
               "5/5 screens stayed connected" in summary, summary
        assert re.fullmatch(rf"display mode={mode}: the display's time in parts \(p50/p99 ms\): press -> "
                            r"pad event at the broker [\d.]+/[\d.]+; -> display's desired state at the broker "
                            r"[\d.]+/[\d.]+; -> pixels on the panel [\d.]+/[\d.]+",
                            line(f"display mode={mode}: the display's time in parts")), r.stdout
        inside = line(f"display mode={mode}: inside the gateway (its /metrics): ")
        assert re.search(r"event in -> desired states handed to MQTT: n=[1-9]\d* mean [\d.]+ ms \(\d+% <= 2.5, "
                         r"\d+% <= 5, \d+% <= 10, \d+% <= 25 ms\); of which the commit: n=[1-9]\d* mean", inside), inside
        got = figures(r.stdout)
        assert {f"{mode}_press_to_display_p50_ms", f"{mode}_press_to_display_p99_ms", f"{mode}_press_to_screen_p99_ms",
                f"{mode}_relay_p99_ms", f"{mode}_gateway_rss_mb"} <= set(got), got
        assert got[f"{mode}_screens"] == "5"
    assert any("1 windows as light simulated devices" in ln for ln in lines), r.stdout


def test_bench_upstream_prints_its_figures(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bench.cli", "upstream", "--config", "hall_config/village.toml",
                        "--samples", "5", "--offline-ratings", "20", "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for sm4 in ("off", "on"):
        assert f"upstream sm4={sm4}: link up, commit->accepted over 5 ratings: p50=" in r.stdout
        assert f"upstream sm4={sm4}: offline: 20 ratings recorded" in r.stdout
        assert "drained 20 at" in r.stdout and "left pending=0 dead=0" in r.stdout
    assert figures(r.stdout)["all_arrived"] == "True"
