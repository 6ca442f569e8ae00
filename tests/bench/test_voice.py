"""hall-bench voice: a call to the first audio sample, along each path (figures printed, not judged)."""
from bench.cli import main
from tests.bench.test_cli import figures
from tests.support import ROOT

HALLS = ROOT / "hall_config"


def test_voice_bench_reports_each_path(voice_root, capsys):
    assert main(["voice", "--config", str(HALLS / "village.toml"), "--voice-dir", str(voice_root),
                 "--calls", "6"]) == 0
    out = capsys.readouterr().out
    for path in ("engine event delivered -> first PCM to player: n=6 p50=",
                 "first PCM written to aplay (-D null): n=2",
                 "runtime.submit(call_next) -> first PCM to player: n=6"):
        assert path in out
    assert {"event_p50_ms", "event_p99_ms", "runtime_p99_ms"} <= set(figures(out))
