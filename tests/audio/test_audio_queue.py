"""The one playback queue: order, no overlap, recall, stale calls, quiet hours, volume, amplifier."""
import datetime as dt
import threading
import zoneinfo

import pytest
from gpiozero.pins.mock import MockFactory

from gateway.audio import mix, voice
from gateway.audio.amp import Amplifier
from gateway.audio.announcer import Announcer
from gateway.audio.players import FilePlayer
from gateway.audio.schedule import Call, is_quiet, prune, volume_at

AUDIO = """
enabled = true
repeat = 1
chime = true
quiet_hours = [["00:00", "07:00"], ["21:00", "24:00"]]
volume = [["07:00", 50], ["09:00", 100], ["18:00", 40]]
backend = "file"
"""


def at(hour, minute=0):
    return dt.datetime(2026, 9, 1, hour, minute, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")).timestamp()


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def hall_voice(make_hall, voice_root):
    return voice.load(make_hall(AUDIO), voice_root)


@pytest.fixture
def rig(hall_voice, tmp_path):
    factory = MockFactory()
    clock = Clock(at(10))
    player = FilePlayer(tmp_path / "played", pace=0.05)  # 1/20 of real time: playback takes a while
    a = Announcer(hall_voice, player, Amplifier(18, factory), max_queued=3, clock=clock)
    a.start()
    yield a, player, clock, factory.pin(18)
    a.stop()


def test_two_quick_calls_play_in_order_without_overlap(rig, hall_voice):
    a, player, _, _ = rig
    assert a.call(Call("A001", 1)) == "queued"
    assert a.call(Call("A002", 2)) == "queued"  # while the first one is playing
    assert a.idle(30)
    assert len(player.played) == 2
    first, second = player.played
    assert first["end"] <= second["start"], "the second call must wait for the first to finish"
    for p, (ticket, window) in zip(player.played, [("A001", 1), ("A002", 2)], strict=True):
        with open(p["path"], "rb") as f:
            assert f.read() == mix.to_wav(hall_voice.render(ticket, window, 100))


def test_calls_from_many_threads_never_overlap(rig):
    a, player, _, _ = rig
    threads = [threading.Thread(target=a.call, args=(Call(f"B00{i}", i),)) for i in range(1, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert a.idle(30)
    spans = sorted((p["start"], p["end"]) for p in player.played)
    assert len(spans) == 3
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False))


def test_recall_repeats_and_a_waiting_call_is_not_queued_twice(rig):
    a, player, _, _ = rig
    a.call(Call("A001", 1))
    assert a.idle(30)
    assert a.call(Call("A001", 1, recall=1)) == "queued"  # heard once already: say it again
    a.call(Call("C001", 2))
    assert a.call(Call("C001", 2, recall=1)) == "duplicate"  # still waiting: it will be said anyway
    assert a.idle(30)
    assert [p["path"].read_bytes() == player.played[0]["path"].read_bytes() for p in player.played] == [True, True, False]


def test_long_queue_drops_stale_calls_of_the_same_window():
    q = [Call("A001", 1), Call("A002", 2), Call("A003", 1), Call("A004", 3)]
    assert prune(q, 4) == (q, [])
    kept, dropped = prune(q, 3)
    assert kept == [Call("A002", 2), Call("A003", 1), Call("A004", 3)] and dropped == [Call("A001", 1)]
    distinct = [Call(f"A00{i}", i) for i in range(6)]
    assert prune(distinct, 2) == (distinct, [])  # different windows: every citizen still hears theirs


def test_announcer_drops_the_stale_call_when_the_queue_grows(rig):
    a, player, _, _ = rig
    gate = threading.Event()
    real_play = player.play
    player.play = lambda chunks, rate: (gate.wait(10), real_play(chunks, rate))  # hold the first one playing
    a.call(Call("A001", 1))
    for c in (Call("A002", 2), Call("A003", 3), Call("A004", 2), Call("A005", 4)):
        a.call(c)
    gate.set()
    assert a.idle(30)
    assert (Call("A002", 2), "stale") in a.dropped
    assert len(player.played) == 4  # A001, A003, A004, A005


def test_quiet_hours_suppress_and_volume_follows_the_schedule(rig, hall_voice):
    a, player, clock, _ = rig
    clock.t = at(22)
    assert a.call(Call("A001", 1)) == "quiet"
    clock.t = at(6, 59)
    assert a.call(Call("A001", 1)) == "quiet"
    clock.t = at(8)
    assert a.call(Call("A002", 1)) == "queued"
    assert a.idle(30)
    assert len(player.played) == 1
    assert player.played[0]["path"].read_bytes() == mix.to_wav(hall_voice.render("A002", 1, 50))


def test_schedule_functions():
    q = ((dt.time(0, 0), dt.time(7, 0)), (dt.time(21, 0), dt.time.max))
    assert is_quiet(q, dt.time(6, 59)) and is_quiet(q, dt.time(23, 59, 59)) and is_quiet(q, dt.time(21, 0))
    assert not is_quiet(q, dt.time(7, 0)) and not is_quiet(q, dt.time(20, 59))
    steps = ((dt.time(7, 0), 50), (dt.time(9, 0), 100), (dt.time(18, 0), 40))
    assert [volume_at(steps, dt.time(h)) for h in (3, 7, 8, 9, 17, 18, 23)] == [40, 50, 50, 100, 100, 40, 40]
    assert volume_at((), dt.time(12)) == 100


def test_amplifier_is_on_while_playing_and_off_when_the_queue_drains(rig):
    a, player, _, pin = rig
    seen = []
    real_play = player.play
    player.play = lambda chunks, rate: (seen.append(pin.state), real_play(chunks, rate))
    assert pin.state is False
    a.call(Call("A001", 1))
    a.call(Call("A002", 2))
    assert a.idle(30)
    assert seen == [True, True]
    for _ in range(100):  # the worker switches it off right after it finds the queue empty
        if pin.state is False:
            break
        threading.Event().wait(0.01)
    assert pin.state is False
    states = [s.state for s in pin.states]
    assert states == [False, True, False], "one on for the whole queue, off once, no flapping between calls"


