"""hallgw voice check|bench run and say what they found (the bench's figures are not asserted)."""
from pathlib import Path

from gateway.cli import main

HALLS = Path(__file__).resolve().parents[2] / "hall_config"


def test_voice_check(voice_root, capsys, make_hall):
    assert main(["voice", "check", "--config", str(HALLS / "county.toml"), "--voice-dir", str(voice_root)]) == 0
    assert "ok: default" in capsys.readouterr().out
    bad = make_hall('template = "请 {ticket} 号到 {window} 号服务台"')
    assert main(["voice", "check", "--config", bad.source, "--voice-dir", str(voice_root)]) == 1
    assert "'服务台' has no clip" in capsys.readouterr().err


