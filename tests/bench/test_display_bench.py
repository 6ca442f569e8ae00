"""`hall-hil bench` runs end to end on a small hall and prints its figures in the
agreed lines, one per mode (the figures themselves are not judged: it is a benchmark)."""
import re
import subprocess
import sys


def test_bench_prints_its_lines_for_both_modes(tmp_path):
    r = subprocess.run([sys.executable, "-m", "hil.cli", "bench", "--config", "hall_config/village.toml",
                        "--samples", "4", "--screens", "5", "--clerk-seconds", "1", "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()

    def line(prefix: str) -> str:
        found = [ln for ln in lines if ln.startswith(prefix)]
        assert len(found) == 1, (prefix, r.stdout)
        return found[0]
    for mode in ("full", "light"):
        summary = line(f"hall-hil bench mode={mode}: 4/4 calls")
        figures = line(f"mode={mode} ")
        assert f"hall-hil bench mode={mode}: 4/4 calls seen on the display; 4/4 on the screen page; " \
               "5/5 screens stayed connected" in summary, summary
        assert re.fullmatch(rf"hall-hil bench mode={mode}: the display's time in parts \(p50/p99 ms\): press -> "
                            r"pad event at the broker [\d.]+/[\d.]+; -> display's desired state at the broker "
                            r"[\d.]+/[\d.]+; -> pixels on the panel [\d.]+/[\d.]+",
                            line(f"hall-hil bench mode={mode}: the display's time in parts")), r.stdout
        inside = line(f"hall-hil bench mode={mode}: inside the gateway (its /metrics): ")
        assert re.search(r"event in -> desired states handed to MQTT: n=[1-9]\d* mean [\d.]+ ms \(\d+% <= 2.5, "
                         r"\d+% <= 5, \d+% <= 10, \d+% <= 25 ms\); of which the commit: n=[1-9]\d* mean", inside), inside
        assert re.fullmatch(rf"mode={mode} press_to_display_p50_ms=[\d.]+ press_to_display_p99_ms=[\d.]+ "
                            r"press_to_screen_p50_ms=[\d.]+ press_to_screen_p99_ms=[\d.]+ screens=5 "
                            r"relay_p99_ms=[\d.]+ gateway_rss_mb=\d+", figures), figures
    assert any("1 windows as light simulated devices" in ln for ln in lines), r.stdout


def test_bench_upstream_prints_its_figures(tmp_path):
    r = subprocess.run([sys.executable, "-m", "hil.cli", "bench-upstream", "--config", "hall_config/village.toml",
                        "--samples", "5", "--offline-ratings", "20", "--workdir", str(tmp_path)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for sm4 in ("off", "on"):
        assert f"bench-upstream sm4={sm4}: link up, commit->accepted over 5 ratings: p50=" in r.stdout
        assert f"bench-upstream sm4={sm4}: offline: 20 ratings recorded" in r.stdout
        assert "drained 20 at" in r.stdout and "left pending=0 dead=0" in r.stdout
