"""The emulated access point's side of Wi-Fi power save (hil/board/radio.py, powersave.py),
without a board: a station in modem sleep gets what the broker sends only after the DTIM beacon
it wakes for, in order, with the broker's close behind the data; what it sends goes at once;
awake (PM_NONE) it gets everything at once. The beacon clock is frozen and moved by hand, so
every check reads the clock or the radio's counters, never a wall-clock time."""
import socket
import subprocess
import sys

import pytest

from hil.board.powersave import BEACON_MS, LISTEN_INTERVAL, PM_NONE, PM_PERFORMANCE, PM_POWERSAVE, Beacons
from hil.board.radio import Radio
from tests.support import ROOT
from tests.support.mqtt_client import wait_for


class Link:
    """A broker stand-in and a station's socket through the radio."""

    def __init__(self, dtim: int):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.beacons = Beacons(dtim=dtim)
        self.radio = Radio("127.0.0.1", self.ls.getsockname()[1], self.beacons)
        self.dev = socket.create_connection(("127.0.0.1", self.radio.port), timeout=5)
        self.broker, _ = self.ls.accept()
        self.broker.settimeout(5)

    def recv(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            got = self.dev.recv(n - len(out))
            if not got:
                break
            out += got
        return out

    def close(self) -> None:
        self.beacons.run()
        for s in (self.dev, self.broker, self.ls):
            s.close()
        self.radio.close()


@pytest.fixture
def link():
    made = []

    def make(dtim=1):
        made.append(Link(dtim))
        return made[-1]
    yield make
    for x in made:
        x.close()


def past_a_wake(beacons: Beacons, pm: int, after_ms: float = 1.0) -> float:
    """Freeze the clock and move it to after_ms past the station's next wake-up."""
    t = beacons.freeze()
    return beacons.advance(beacons.wake_ms(pm, t) - t + after_ms)


def test_awake_the_station_gets_everything_at_once_with_the_clock_stopped(link):
    x = link(dtim=3)
    x.radio.station_pm(PM_NONE)
    t = x.beacons.freeze()
    x.broker.sendall(b"desired")
    assert x.recv(7) == b"desired"
    assert x.beacons.now_ms() == t and x.radio.held == 0 and x.radio.passed >= 1


def test_asleep_it_gets_the_broker_s_data_after_the_dtim_beacon_in_order(link):
    x = link(dtim=2)
    assert x.radio.pm == PM_PERFORMANCE     # ESP-IDF's default until the firmware says otherwise
    period = 2 * BEACON_MS
    past_a_wake(x.beacons, PM_PERFORMANCE)
    x.broker.sendall(b"first ")
    assert wait_for(lambda: x.radio.holding() == 6)
    x.beacons.advance(period / 2)           # a beacon that is not a DTIM one: still asleep
    x.broker.sendall(b"second")
    assert wait_for(lambda: x.radio.holding() == 12)
    # What the station sends goes at once, asleep or not.
    x.dev.sendall(b"event")
    assert x.broker.recv(5) == b"event"
    assert x.radio.holding() == 12
    x.beacons.advance(period / 2)           # the DTIM beacon
    assert x.radio.holding() == 0
    assert x.recv(12) == b"first second"
    waits = list(x.radio.waits_ms)[-2:]
    assert waits == [pytest.approx(period - 1.0), pytest.approx(period / 2 - 1.0)]


def test_the_broker_s_close_waits_behind_the_held_data(link):
    x = link(dtim=1)
    past_a_wake(x.beacons, PM_PERFORMANCE)
    x.broker.sendall(b"last words")
    x.broker.close()
    assert wait_for(lambda: x.radio.holding() == 10 and x.radio.queued() == 2)
    x.beacons.advance(BEACON_MS)
    assert x.recv(64) == b"last words"      # then the end of the stream


def test_waking_up_takes_what_was_held_at_once(link):
    x = link(dtim=3)
    past_a_wake(x.beacons, PM_PERFORMANCE)
    x.broker.sendall(b"held")
    assert wait_for(lambda: x.radio.holding() == 4)
    x.radio.station_pm(PM_NONE)             # the firmware's wlan.config(pm=PM_NONE)
    assert x.radio.holding() == 0
    assert x.recv(4) == b"held"
    assert x.radio.waits_ms[-1] == pytest.approx(0.0)   # woken at once: no beacon waited for


def test_max_modem_sleep_wakes_every_listen_interval(link):
    x = link(dtim=1)
    x.radio.station_pm(PM_POWERSAVE)
    every = LISTEN_INTERVAL * BEACON_MS
    assert x.beacons.period_ms(PM_POWERSAVE) == pytest.approx(every)
    past_a_wake(x.beacons, PM_POWERSAVE)
    x.broker.sendall(b"x")
    assert wait_for(lambda: x.radio.holding() == 1)
    x.beacons.advance(every - 2.0)          # DTIM beacons pass: a station in max modem sleep hears none
    assert x.radio.holding() == 1
    x.beacons.advance(1.5)
    assert x.recv(1) == b"x"


def test_bad_beacon_settings_and_modes_are_refused():
    with pytest.raises(ValueError):
        Beacons(dtim=0)
    with pytest.raises(ValueError):
        Beacons(interval_ms=0)
    b = Beacons()
    with pytest.raises(RuntimeError):
        b.advance(1.0)                      # a running clock is not moved by hand
    b.freeze()
    with pytest.raises(ValueError):
        b.advance(-1.0)
    r = Radio("127.0.0.1", 9, b)
    try:
        with pytest.raises(ValueError):
            r.station_pm(7)
    finally:
        r.close()


def test_hall_hil_run_refuses_a_dtim_period_out_of_range():
    r = subprocess.run([sys.executable, "-m", "hil.cli", "run", "--config", str(ROOT / "hall_config" / "village.toml"),
                        "--dtim", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "hall-hil: --dtim: DTIM period 0: 1 to 255 beacons" in r.stdout, r.stdout + r.stderr
