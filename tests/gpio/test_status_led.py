"""The status LED on gpiozero's MockFactory: one pattern per gateway state."""
import time

import pytest
from gpiozero.pins.mock import MockFactory

from gateway.attached.config import Attached
from gateway.devices import health
from gateway.extensions import status_led
from gateway.extensions.context import StandIns
from tests.support.context import context


def changes(pin, since):
    return [s for s in pin.states if s.timestamp >= since]


@pytest.fixture
def led():
    factory = MockFactory()
    src = health.Health()
    # the pin of the --attached file's status_led_pin
    ext = status_led.create(context(None, attached=Attached(None, (), 17),
                                    stand_ins=StandIns(pin_factory=factory, device_health=src)))
    ext.start()
    yield ext, src, factory.pin(17)
    ext.stop()


def toggles(pin, seconds):
    t0 = time.monotonic()
    n0 = len(pin.states)
    time.sleep(seconds)
    assert time.monotonic() - t0 >= seconds
    return len(pin.states) - n0


def test_patterns_follow_the_gateway_state(led):
    ext, src, pin = led
    assert ext.led.state == health.STARTING
    assert toggles(pin, 0.6) >= 2  # 0.25 s blink
    src.set(health.CONNECTED)
    time.sleep(0.05)
    assert pin.state == 1 and toggles(pin, 0.4) == 0  # steady on
    src.set(health.LOST)
    assert toggles(pin, 0.5) <= 2  # 1 s blink: at most the switch itself
    src.set(health.ERROR)
    assert toggles(pin, 0.6) >= 4  # 0.1 s blink


def test_stop_turns_the_led_off_and_stops_following():
    factory = MockFactory()
    src = health.Health()
    ext = status_led.create(context(None, stand_ins=StandIns(pin_factory=factory, device_health=src)))
    ext.start()
    src.set(health.CONNECTED)
    pin = factory.pin(status_led.DEFAULT_PIN)
    assert pin.state == 1
    ext.stop()
    assert pin.state == 0
    src.set(health.ERROR)  # no longer followed, and no error from a closed LED
    assert pin.state == 0


def test_unknown_state_is_refused():
    with pytest.raises(ValueError):
        health.Health().set("on fire")
