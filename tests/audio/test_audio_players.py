"""Players and the amplifier at the edges: ALSA failures are clear and do not stop the queue."""
import datetime as dt
import logging
import zoneinfo

import pytest
from gpiozero.pins.mock import MockFactory

from gateway.audio import AudioError, amp, mix
from gateway.audio.announcer import Announcer
from gateway.audio.players import AlsaPlayer, FilePlayer, NullPlayer
from gateway.audio.schedule import Call

TEN_AM = dt.datetime(2026, 9, 1, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")).timestamp()
AUDIO = 'enabled = true\nrepeat = 1\nbackend = "file"'


def test_aplay_failure_is_a_clear_error():
    with pytest.raises(AudioError, match=r"aplay failed \(1\): .*hallgw_no_such_device"):
        AlsaPlayer("hallgw_no_such_device").play([mix.silence(50), mix.silence(50)], 16000)


def test_a_failed_announcement_is_logged_and_the_queue_goes_on(tmp_path, make_hall, voice_root, caplog):
    from gateway.audio import voice

    v = voice.load(make_hall(AUDIO), voice_root)
    good = FilePlayer(tmp_path)
    bad = AlsaPlayer("hallgw_no_such_device")

    class FirstFails:
        calls = 0

        def play(self, chunks, rate):
            self.calls += 1
            (bad if self.calls == 1 else good).play(chunks, rate)

    factory = MockFactory()
    a = Announcer(v, FirstFails(), amp.Amplifier(18, factory), clock=lambda: TEN_AM)
    a.start()
    try:
        with caplog.at_level(logging.INFO, logger="hallgw.audio"):
            a.call(Call("A001", 1))
            a.call(Call("A002", 2))
            assert a.idle(30)
    finally:
        a.stop()
    # one line when the failure began (ALSA's words, no traceback), one when sound came back
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "hallgw.audio"]
    assert [lv for lv, _ in said] == ["WARNING", "INFO"], said
    assert "Unknown PCM hallgw_no_such_device" in said[0][1] and "sound works again" in said[1][1]
    assert not [r for r in caplog.records if r.exc_info]
    assert a.health.view()["ok"] is True
    assert len(good.played) == 1
    assert factory.pin(18).state is False


def test_null_player_takes_bytes_or_chunks():
    NullPlayer().play(b"\0\0", 16000)
    NullPlayer().play(iter([b"\0\0"]), 16000)


def test_no_gpio_falls_back_to_mock_pins_and_says_so_once(monkeypatch, caplog):
    monkeypatch.setattr(amp, "_fallback_logged", False)
    with caplog.at_level(logging.WARNING, logger="gateway.audio.amp"):
        first, second = amp.Amplifier(18), amp.Amplifier(23)  # this machine has no GPIO
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert len(caplog.records) == 1 and "MockFactory" in caplog.text
    first.on()
    assert first.is_on and not second.is_on
    first.close()
    second.close()


def test_alsa_player_plays_through_real_aplay_on_the_null_device(make_hall, voice_root, engine_runtime, caplog):
    # no sound card here; ALSA's "null" PCM takes the sound, so aplay and the pipe are real
    AlsaPlayer("null").play(iter([mix.silence(20), mix.silence(20)]), 16000)
    from gateway.extensions import announcer
    from gateway.extensions.context import StandIns
    from hil.day.window_driver import Driver
    from tests.support.context import context

    hall = make_hall('enabled = true\nrepeat = 1\nbackend = "alsa"')
    rt = engine_runtime(hall)
    ext = announcer.create(context(rt, voice_dir=voice_root, alsa_device="null", clock=lambda: TEN_AM,
                                   stand_ins=StandIns(pin_factory=MockFactory())))
    assert isinstance(ext.player, AlsaPlayer)
    ext.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            played = []
            real = ext.player.play
            mp.setattr(ext.player, "play", lambda chunks, rate: (played.append(rate), real(chunks, rate)))
            d = Driver(rt, hall)
            d.issue()
            d.call_next()
            assert ext.announcer.idle(30)
    finally:
        ext.stop()
    assert played == [16000] and not ext.announcer.dropped
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
