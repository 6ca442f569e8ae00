"""A call from a call pad reaches the speakers through the engine's events."""
import wave
import zoneinfo

from gpiozero.pins.mock import MockFactory

from gateway.audio import mix, voice
from gateway.audio.players import FilePlayer, NullPlayer
from gateway.config import load_file
from gateway.extensions import announcer
from gateway.extensions.context import StandIns
from gateway.extensions.ports import SPEAKERS
from gateway.runtime import Runtime
from hil.day.window_driver import START, Driver
from tests.support.context import context

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AUDIO = """
enabled = true
repeat = 1
volume = [["00:00", 80]]
backend = "file"
"""


def ctx(rt, tmp_path, voice_root, player=None, clock=None):
    return context(rt, tmp_path / "data", voice_dir=voice_root, stand_ins=StandIns(pin_factory=MockFactory(),
                                                                                   audio_player=player),
                   clock=clock or (lambda: START.replace(tzinfo=SHANGHAI).timestamp()))


def test_call_next_on_the_real_runtime_is_announced(tmp_path, make_hall, voice_root):
    hall = make_hall(AUDIO)
    rt = Runtime(hall, tmp_path / "store")
    ext = announcer.create(ctx(rt, tmp_path, voice_root))
    ext.start()
    try:
        d = Driver(rt, hall)
        d.issue()
        called = d.call_next()
        number = next(e["number"] for e in called.events if e["type"] == "ticket_called")
        d.recall()  # the citizen did not come: say it again
        assert ext.announcer.idle(30)
    finally:
        ext.stop()
        rt.close()
    played = sorted((tmp_path / "data" / "announcements").glob("*.wav"))
    assert len(played) == 2, "the call and the recall"
    want = mix.to_wav(voice.load(hall, voice_root).render(number, d.window, 80))
    assert [p.read_bytes() == want for p in played] == [True, True]


def test_engine_events_reach_the_file_backend_in_order(tmp_path, make_hall, voice_root, engine_runtime):
    hall = make_hall(AUDIO)
    rt = engine_runtime(hall)
    player = FilePlayer(tmp_path / "out", pace=0.02)
    ext = announcer.create(ctx(rt, tmp_path, voice_root, player))
    ext.start()
    try:
        d = Driver(rt, hall)
        numbers = []
        for _ in range(3):
            d.issue()
            out = d.call_next()
            numbers += [e["number"] for e in out.events if e["type"] == "ticket_called"]
            d.finish()
        rt.callbacks[0]([{"type": "ticket_called", "window": 1}, {"type": "rating_recorded", "window": 1}])
        assert ext.announcer.idle(30)
    finally:
        ext.stop()
    assert numbers == ["A001", "A002", "A003"]
    assert len(player.played) == 3
    assert all(a["end"] <= b["start"] for a, b in zip(player.played, player.played[1:], strict=False))
    for p, n in zip(player.played, numbers, strict=True):
        with wave.open(str(p["path"])) as w:
            assert w.readframes(w.getnframes()) == voice.load(hall, voice_root).render(n, 1, 80)


def test_disabled_audio_creates_nothing(tmp_path, make_hall, voice_root, engine_runtime):
    hall = make_hall("enabled = false")
    assert announcer.create(ctx(engine_runtime(hall), tmp_path, voice_root)) is None
    assert announcer.PROVIDES.keys() == {SPEAKERS} and not hasattr(announcer, "NEEDS")


def test_the_announcer_needs_of_the_runtime_only_its_hall_and_events(tmp_path, voice_root, root):
    class Bare:
        hall = load_file(root / "hall_config" / "village.toml")

        def subscribe(self, cb):
            self.cb = cb

    rt = Bare()
    ext = announcer.create(ctx(rt, tmp_path, voice_root, NullPlayer()))
    ext.start()
    ext.stop()
    assert rt.cb == ext.on_events
    assert ext.announcer.voice.packs[0].name == "default"


def test_call_pad_key_over_mqtt_is_announced_once(tmp_path, make_hall, voice_root, mosquitto):
    # The whole path of issue 7's last point: the pad's call_next event crosses a real
    # Mosquitto, the device plane makes it an engine command, the committed
    # ticket_called event reaches the announcer. A QoS 1 redelivery of that same
    # event (same boot and sequence) must not call, or announce, again.
    import time

    from gateway.devices.client import DeviceClient
    from gateway.devices.plane import DevicePlane

    hall = make_hall(AUDIO)
    pad = next(d for d in hall.devices if d.role == "callpad")
    at = START.replace(tzinfo=SHANGHAI).timestamp()
    t0 = time.monotonic()

    def clock():
        return at + time.monotonic() - t0

    rt = Runtime(hall, tmp_path / "store")
    ext = announcer.create(ctx(rt, tmp_path, voice_root, clock=clock))
    ext.start()
    plane = DevicePlane(hall, rt, tmp_path / "dev", "127.0.0.1", mosquitto.port, clock=clock)
    plane.start()
    end = time.monotonic() + 10
    while not plane.link.connected and time.monotonic() < end:  # else the login finds no gateway
        time.sleep(0.01)
    client = DeviceClient(hall.id, pad.id, "127.0.0.1", mosquitto.port)
    try:
        w = hall.window(pad.window)
        client.action("login", staff=hall.staff_member(w.post_a).login_code)
        client.wait(lambda d: d.get("logged_in"), 10)
        assert rt.submit({"type": "issue_ticket", "at": clock(), "service": w.services[0]}).ok
        press = client.action("call_next")
        number = client.wait(lambda d: d.get("ticket"), 10)["ticket"]
        client.action("start")
        client.action("finish", case="immediate")
        client.wait(lambda d: d.get("tstate") == "" and not d.get("ticket"), 10)
        # The window is free and a citizen waits: only the dedup stands between a
        # redelivered call_next and a second call.
        assert rt.submit({"type": "issue_ticket", "at": clock(), "service": w.services[0]}).ok
        client.send(press)
        # The barrier: a later event from the same pad (the plane takes them in order), logged
        # once the redelivered press before it has been handled. It changes nothing.
        later = client.action("call_ticket", ticket="Z999")
        origin = (later["dev"], later["boot"], later["seq"])
        end = time.monotonic() + 10
        while rt.read(lambda _eng: rt.store.outcome_of(origin)) is None:
            assert time.monotonic() < end, "the pad's later event was never handled"
            time.sleep(0.01)
        assert not client.desired.get("ticket"), "the redelivered call_next called the next citizen"
        assert rt.read(lambda eng: sum(t["state"] == "waiting" for t in eng.tickets.values())) == 1
        assert ext.announcer.idle(30)
    finally:
        client.close()
        plane.stop()
        ext.stop()
        rt.close()
    played = sorted((tmp_path / "data" / "announcements").glob("*.wav"))
    assert len(played) == 1
    assert played[0].read_bytes() == mix.to_wav(voice.load(hall, voice_root).render(number, w.number, 80))
