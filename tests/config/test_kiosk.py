"""[kiosk] of the hall file: the printer's address, paper, Chinese mode, the QR base address and
the green channel's categories, each mistake named with file and key path."""
import pytest

from gateway.config import ConfigError, load_text
from gateway.config.kiosk import GREEN_CATEGORIES
from tests.support import ROOT

COUNTY = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")
VILLAGE = (ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")


def with_kiosk(body: str, base: str = VILLAGE) -> str:
    start = base.index("[kiosk]\n")
    end = base.index("\n[", start + 1)
    return base[:start] + "[kiosk]\n" + body + "\n" + base[end:]


def test_examples():
    county = load_text(COUNTY, "county.toml").kiosk
    assert (county.printer.kind, county.printer.host, county.printer.port) == ("network", "127.0.0.1", 9109)
    assert (county.paper_mm, county.dots, county.chinese) == (80, 576, "gb18030")
    assert county.public_base_url == "http://127.0.0.1:8080" and county.green_categories == GREEN_CATEGORIES
    village = load_text(VILLAGE, "village.toml").kiosk
    assert (village.printer.kind, village.paper_mm, village.dots) == ("none", 58, 384)
    assert "老年人" in GREEN_CATEGORIES and "军人军属" in GREEN_CATEGORIES and "困难群众" in GREEN_CATEGORIES


@pytest.mark.parametrize("printer, kind, fields", [
    ("network:192.168.10.50:9100", "network", {"host": "192.168.10.50", "port": 9100}),
    ("serial:/dev/ttyUSB0:19200", "serial", {"devfile": "/dev/ttyUSB0", "baudrate": 19200}),
    ("usb:0x0416:0x5011", "usb", {"vendor": 0x0416, "product": 0x5011}),
])
def test_printer_addresses(printer, kind, fields):
    k = load_text(with_kiosk(f'printer = "{printer}"\npublic_base_url = "http://10.0.0.2:8080/"'), "v.toml").kiosk
    assert k.printer.kind == kind and str(k.printer) == printer and k.public_base_url == "http://10.0.0.2:8080"
    assert {f: getattr(k.printer, f) for f in fields} == fields


BROKEN = [
    ('printer = "lp:/dev/usb/lp0"', "kiosk.printer", "is not a printer"),
    ('printer = "network:127.0.0.1:70000"\npublic_base_url = "http://a"', "kiosk.printer", "out of range"),
    ('printer = "serial:/dev/ttyS0:1234"\npublic_base_url = "http://a"', "kiosk.printer", "baud rate 1234"),
    ('paper_mm = 57', "kiosk.paper_mm", "58 or 80"),
    ('chinese = "big5"', "kiosk.chinese", "must be one of gb18030, image"),
    ('printer = "network:127.0.0.1:9100"', "kiosk.public_base_url", "missing"),
    ('public_base_url = "ftp://x"', "kiosk.public_base_url", "is not an http:// or https:// address"),
    ('green_categories = []', "kiosk.green_categories", "must not be empty"),
    ('green_categories = ["老年人", "老年人"]', "kiosk.green_categories[1]", "duplicate category"),
    ('green_categories = ["一二三四五六七八九"]', "kiosk.green_categories[0]", "at most 8"),
    ('status_timeout_seconds = 0', "kiosk.status_timeout_seconds", "out of range"),
    ('colour = "red"', "kiosk.colour", "unknown key"),
]


@pytest.mark.parametrize("body, path, words", BROKEN)
def test_broken_kiosk_is_refused_with_its_path(body, path, words):
    with pytest.raises(ConfigError) as e:
        load_text(with_kiosk(body), "village.toml")
    lines = e.value.lines()
    assert any(line.startswith(f"village.toml: {path}: ") and words in line for line in lines), lines
