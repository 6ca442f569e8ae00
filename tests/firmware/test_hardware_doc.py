"""docs/HARDWARE.md cannot go stale: each role's wiring table lists exactly the pins that role's
firmware drives, read out of firmware/ (keymap.py's constants, and which of them each role's
module uses), and the bus settings and the gateway's own pins it names are the code's."""
import re

from gateway.audio import amp
from gateway.gpio import status_led
from hil.board.keys import _keymap
from tests.support import ROOT

DOC = ROOT / "docs" / "HARDWARE.md"
FIRMWARE = ROOT / "firmware"
ROLE_FILES = {"callpad": "callpad.py", "evaluator": "evaluator.py", "display": "display.py"}
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*GPIO\s?(\d+)\s*\|", re.M)


def doc_tables() -> dict[str, dict[str, int]]:
    """role -> {signal: GPIO} from the doc's sections titled "… （role）接线"."""
    out = {}
    for section in re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M):
        m = re.match(r"\d+\.\s[^\n]*（(callpad|evaluator|display)）接线", section)
        if m:
            rows = ROW.findall(section)
            assert len(rows) == len({n for n, _ in rows}), f"{m[1]}: a signal listed twice"
            out[m[1]] = {n: int(g) for n, g in rows}
    return out


def firmware_pins() -> dict[str, dict[str, int]]:
    """role -> {signal: GPIO} as the firmware wires it: the keymap constants the role's module
    (and device.py, which every role runs) names; a "name:gpio …" table gives a pin per key, a
    tuple of ints a pin per entry, a number a pin when it goes to Pin() or StatusLed()."""
    km = _keymap()
    sources = {p.name: p.read_text(encoding="utf-8") for p in FIRMWARE.glob("*.py")}
    single = set(re.findall(r"(?:Pin|StatusLed)\(\s*keymap\.([A-Z]\w*)", "".join(sources.values())))
    shared = set(re.findall(r"\bkeymap\.([A-Z]\w*)", sources["device.py"]))
    out = {}
    for role, file in ROLE_FILES.items():
        pins: dict[str, int] = {}
        for name in sorted(shared | set(re.findall(r"\bkeymap\.([A-Z]\w*)", sources[file]))):
            value = getattr(km, name)
            if name in single:
                pins[name] = value
            elif isinstance(value, str):
                pins.update({k: int(g) for k, g in (item.split(":") for item in value.split())})
            elif isinstance(value, tuple):
                pins.update({f"{name}[{i}]": g for i, g in enumerate(value)})
        out[role] = pins
    return out


def test_every_role_table_is_the_firmware_pin_map():
    fw, doc = firmware_pins(), doc_tables()
    assert set(doc) == set(ROLE_FILES)
    # The reading of the firmware found what a call pad is: 20 keys, the OLED's bus, the status LED.
    assert len(fw["callpad"]) == 23 and fw["callpad"]["STATUS_LED"] == 2
    assert {"EVALUATOR_LEDS[4]", "I2C_SDA", "done"} <= set(fw["evaluator"])
    assert {"SPI_SCK", "SPI_MOSI", "SPI_CS", "STATUS_LED"} == set(fw["display"])
    for role in ROLE_FILES:
        assert doc[role] == fw[role], role


def test_bus_settings_and_the_gateways_pins_are_the_codes():
    text = DOC.read_text(encoding="utf-8")
    addr = re.search(r"_ADDR = const\((0x[0-9A-Fa-f]+)\)", (FIRMWARE / "ssd1306.py").read_text())[1]
    assert f"地址 {addr.upper().replace('0X', '0x')}" in text
    i2c = {int(f) for f in re.findall(r"I2C\(0, .*?freq=(\d+)\)", (FIRMWARE / "callpad.py").read_text()
                                      + (FIRMWARE / "evaluator.py").read_text())}
    assert i2c == {400000} and "I2C 总线 0，\n400 kHz" in text
    spi = re.search(r"SPI\((\d+), baudrate=(\d+), polarity=(\d), phase=(\d)", (FIRMWARE / "display.py").read_text())
    assert spi.groups() == ("1", "10000000", "0", "0")
    assert "SPI（总线 1，10 MHz，模式 0）" in text
    assert re.search(rf"^\| 功放使能 \| BCM {amp.DEFAULT_PIN} \|", text, re.M)
    assert re.search(rf"^\| 网关状态灯 \| BCM {status_led.DEFAULT_PIN} \|", text, re.M)
