"""Hardware on the Pi itself, in one gateway process with a real Mosquitto: call buttons on
GPIO (gpiozero's MockFactory) log in and call the next citizen as the window's call pad would,
and the LED panel (luma.emulator) shows the display's desired state the moment it changes;
a bad attached-hardware file is refused with the key path and why."""
import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from gpiozero.pins.mock import MockFactory

from gateway.attached import config as attached
from gateway.attached.panel import draw, frame_image
from gateway.config import ConfigError, load_file
from gateway.extensions import attached as attached_ext
from gateway.extensions import devices as devices_ext
from gateway.extensions.context import StandIns
from gateway.runtime import Runtime
from hil.pi.panel import emulated_panel, pixels
from protocols import topics
from tests.support import ROOT
from tests.support.context import context
from tests.support.mosquitto import Mosquitto

START = 1795395600.0  # Monday 09:00 in the hall's time zone
FILE = {"status_led_pin": 24,
        "panel": {"device": "s1-led", "spi_port": 0, "spi_device": 0, "block_orientation": -90},
        "buttons": [{"pin": 17, "device": "s1-pad", "key": "login", "staff": "2001"},
                    {"pin": 27, "device": "s1-pad", "key": "call_next"}]}


def village():
    return load_file(ROOT / "hall_config" / "village.toml")


def wait(pred, what, timeout=10.0):
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, what
        time.sleep(0.02)


def press(factory, pin):
    p = factory.pin(pin)
    p.drive_low()
    time.sleep(0.1)
    p.drive_high()


def test_buttons_call_and_the_panel_shows_it(tmp_path):
    hall = village()
    cfg = attached.parse(FILE, hall)
    clock = [START]
    with Mosquitto(tmp_path / "mosquitto") as broker:
        rt = Runtime(hall, tmp_path / "data")
        factory = MockFactory()
        emu = emulated_panel(64, 16)
        ctx = context(rt, tmp_path / "data", broker_host="127.0.0.1", broker_port=broker.port,
                      clock=lambda: clock[0], attached=cfg, stand_ins=StandIns(pin_factory=factory, panel_device=emu))
        plane = devices_ext.create(ctx)
        pi = attached_ext.create(ctx)
        seen: dict = {}
        got = threading.Condition()

        def on_desired(c, u, msg):
            with got:
                seen[topics.parse(msg.topic)[1]] = json.loads(msg.payload)
                got.notify_all()

        watcher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        watcher.on_message = on_desired
        watcher.connect("127.0.0.1", broker.port)
        watcher.subscribe(topics.desired(hall.id, "s1-led"), 1)
        watcher.loop_start()
        try:
            plane.start()
            pi.start()
            wait(lambda: {d["id"]: d["online"] for d in plane.plane.registry.listing()}.get("s1-led"), "panel online")
            assert rt.submit({"type": "issue_ticket", "at": START + 60, "service": "ZH",
                              "matter": "330681-CZ-001"}).ok
            clock[0] = START + 120
            press(factory, 17)
            wait(lambda: rt.read(lambda e: e.windows[1]["staff"]) == "v01", "the login button logged v01 in")
            press(factory, 27)
            wait(lambda: rt.read(lambda e: e.windows[1]["ticket_number"]) == "A001", "the call button called A001")
            with got:
                assert got.wait_for(lambda: seen.get("s1-led", {}).get("ticket") == "A001", 10)
                d = seen["s1-led"]
            frame = frame_image(d)
            # the panel shows that desired state, at whatever scroll offset it has reached
            wait(lambda: any(pixels(emu) == bits(draw(frame, (64, 16), o, d["scroll"], True))
                             for o in range(d["fw"])), "the called number on the Pi's panel")
            assert {d["id"]: d["online"] for d in plane.plane.registry.listing()}["s1-pad"]
        finally:
            watcher.loop_stop()
            pi.stop()
            plane.stop()
            rt.close()
    assert rt.store.seq >= 3


def bits(img):
    return [[int(img.getpixel((x, y)) > 0) for x in range(img.width)] for y in range(img.height)]


@pytest.mark.parametrize("change, problem", [
    ({"panel": {"device": "s1-pad"}}, "panel.device: 's1-pad' is not a display of the hall file"),
    ({"panel": {"device": "s1-led", "block_orientation": 45}}, "panel.block_orientation: 45 is not one of"),
    ({"buttons": [{"pin": 40, "device": "s1-pad", "key": "call_next"}]}, "buttons[0].pin: 40 is not a whole number"),
    ({"buttons": [{"pin": 5, "device": "s1-eval", "key": "call_next"}]}, "buttons[0].device: 's1-eval' is not a call pad"),
    ({"buttons": [{"pin": 5, "device": "s1-pad", "key": "dance"}]}, "buttons[0]: key 'dance'"),
    ({"buttons": [{"pin": 5, "device": "s1-pad", "key": "call_next"},
                  {"pin": 5, "device": "s2-pad", "key": "call_next"}]}, "buttons[1].pin: GPIO 5 is used twice"),
    ({"speaker": 1}, "speaker: unknown key"),
    ({"buttons": [{"pin": 18, "device": "s1-pad", "key": "call_next"}]}, "GPIO 18 is the amplifier's enable"),
    ({"panel": {"device": "s1-led"}, "buttons": [{"pin": 10, "device": "s1-pad", "key": "call_next"}]},
     "GPIO 10 is SPI0 (the LED panel)"),
])
def test_a_bad_attached_file_is_refused_with_where_and_why(change, problem):
    with pytest.raises(ConfigError) as e:
        attached.parse(change, village(), "attached.toml")
    assert any(problem in line for line in e.value.lines()), e.value.lines()
