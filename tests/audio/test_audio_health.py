"""Speakers that fail are seen: with aplay failing as on a Pi whose sound card is gone, /healthz
says degraded with the reason in Chinese, the engine raises the alert the dashboard lists, and
the log has one line for the kind of failure, not a traceback per call; sound that works again
ends it all."""
import logging
import os
import stat

from gpiozero.pins.mock import MockFactory

from gateway.extensions import announcer
from gateway.extensions.context import StandIns
from gateway.observe import healthz
from gateway.reports import live
from gateway.runtime import Runtime
from hil.day.window_driver import Driver
from tests.support.context import context

NO_CARD = """ALSA lib confmisc.c:855:(parse_card) cannot find card '0'
ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default
aplay: main:831: audio open error: No such file or directory"""


def fake_aplay(folder):
    """An `aplay` that fails as ALSA does with no card while folder/fail exists, else takes the sound."""
    script = folder / "aplay"
    script.write_text(f"""#!/bin/sh
if [ -e "{folder}/fail" ]; then cat >/dev/null; printf '%s\\n' "{NO_CARD}" >&2; exit 1; fi
cat >/dev/null
echo played >> "{folder}/played"
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_failing_speakers_show_on_healthz_and_the_dashboard_and_log_once(tmp_path, make_hall, voice_root,
                                                                         monkeypatch, caplog):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_aplay(bin_dir)
    (bin_dir / "fail").touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    hall = make_hall('enabled = true\nrepeat = 1\nbackend = "alsa"')
    rt = Runtime(hall, tmp_path / "store")
    d = Driver(rt, hall)
    ext = announcer.create(context(rt, tmp_path, voice_dir=voice_root, clock=lambda: d.at,
                                   stand_ins=StandIns(pin_factory=MockFactory())))
    running = healthz.Parts(speakers=ext.health)
    try:
        with caplog.at_level(logging.INFO):
            ext.start()
            assert ext.announcer.idle(30)
            for _ in range(3):
                d.issue()
                d.call_next()
                assert ext.announcer.idle(30)
                d.finish()
            got = healthz.gather(rt, running)
            assert got["status"] == "degraded"
            audio = got["checks"]["audio"]
            assert (audio["ok"], audio["cause"], audio["reason"]) == (False, "no_card", "找不到声卡")
            assert "cannot find card '0'" in audio["error"] and audio["failures"] == 4  # the check at start + 3 calls
            # the engine's alert, in the log of commands and on the dashboard's list, in Chinese
            alert = rt.read(lambda e: e.alerts["part_fault:audio"])
            assert (alert["kind"], alert["part"], alert["cause"]) == ("part_fault", "audio", "no_card")
            texts = [a["text"] for a in rt.read(lambda e: live.picture(e, d.at))["alerts"]]
            assert texts == ["大厅广播无声：找不到声卡"]
            said = [r for r in caplog.records if r.name.startswith(("hallgw.audio", "gateway.audio"))]
            assert len(said) == 1 and said[0].levelname == "WARNING", [r.getMessage() for r in said]
            assert "no sound card" in said[0].getMessage() and "cannot find card '0'" in said[0].getMessage()
            assert not [r for r in caplog.records if r.exc_info], "no traceback for a failing player"

            (bin_dir / "fail").unlink()  # the card is back
            d.issue()
            d.call_next()
            assert ext.announcer.idle(30)
        assert (bin_dir / "played").read_text().count("played") == 1
        got = healthz.gather(rt, running)
        assert got["status"] == "ok" and got["checks"]["audio"]["ok"] is True
        assert rt.read(lambda e: "part_fault:audio" not in e.alerts)
        assert "sound works again" in caplog.text
        # raised once and ended once: two commands, each with its alert event
        kinds = [(r["cmd"]["active"], [e["active"] for e in r["outcome"]["events"]])
                 for r in rt.store.records_after(0) if r["cmd"]["type"] == "part_fault"]
        assert kinds == [(True, [True]), (False, [False])]
    finally:
        ext.stop()
        rt.close()


def test_causes_are_told_apart():
    from gateway.audio.health import cause_of
    assert cause_of(NO_CARD) == "no_card"
    assert cause_of("aplay failed (1): audio open error: Device or resource busy") == "busy"
    assert cause_of("aplay is not installed (Debian: apt-get install alsa-utils)") == "no_player"
    assert cause_of("ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM hallgw_x") == "bad_device"
    assert cause_of("aplay failed (1): underrun!!!") == "failed"
