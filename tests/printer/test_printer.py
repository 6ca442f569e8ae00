"""The printer backend against its emulated peer: the slip's layout (58 and 80 mm, GB18030 or
images, the QR payload), what the emulator decodes of it, and every status answer -> its state."""
import os

import pytest

from gateway.config.kiosk import PrinterAddress
from gateway.printer import layout
from gateway.printer.connection import Link, PrinterError
from gateway.printer.status import state
from hil.printer import Decoder, PrinterEmulator

URL = "http://192.168.10.2:8080/t/2026-11-23-A007?c=ABCD2345"
SLIP = layout.Slip(hall_name="某某县政务服务中心", number="A007", service_name="综合受理", matter_name="社保卡申领",
                   department="政务服务中心", lane="green", category="老年人", issued="2026-11-23 09:05", ahead=3,
                   wait_minutes=12, qr_url=URL, instructions="请留意屏幕和广播叫号，过号请重新取号")


def decode(data: bytes):
    got = []
    d = Decoder(on_ticket=got.append)
    for i in range(0, len(data), 7):  # in pieces, as a socket delivers them
        d.feed(data[i:i + 7])
    assert len(got) == 1 and not d.buf
    return got[0]


@pytest.mark.parametrize("dots", [384, 576])
def test_gb18030_slip_decodes_to_the_ticket(dots):
    data = layout.render(SLIP, dots, "gb18030")
    assert b"\x1c&" in data and "综合受理".encode("gb18030") in data and data.endswith(b"\x1dV\x00")
    t = decode(data)
    assert t.cut and not t.images and t.qr == [URL]
    assert t.sized(4) == ["A007"]  # the number, four times as large
    for words in ("某某县政务服务中心", "综合受理", "社保卡申领", "绿色通道(老年人)", "前面还有 3 人",
                  "预计等候约 12 分钟", "取号时间 2026-11-23 09:05", "过号请重新取号"):
        assert words in t.text.replace("\n", ""), words
    assert SLIP.hall_name in t.text.splitlines()
    cols = dots // 12
    assert all(layout.width(x.text) * x.width <= cols for x in t.lines)  # nothing runs off the paper
    assert "，" not in t.text  # full-width punctuation goes as ASCII (it can print as "?")


@pytest.mark.parametrize("dots", [384, 576])
def test_image_slip_is_pictures_of_the_paper_width(dots):
    data = layout.render(SLIP, dots, "image")
    assert b"\x1c&" not in data and "综合".encode("gb18030") not in data
    t = decode(data)
    assert t.cut and not t.lines and t.qr == [URL]
    assert len(t.images) >= 8 and {i.size[0] for i in t.images} == {dots}
    big = max(t.images, key=lambda i: i.size[1])  # the number is the tallest line
    assert big.size[1] > 100 and big.getbbox() is not None


def test_bad_paper_is_refused():
    with pytest.raises(ValueError):
        layout.render(SLIP, 500, "gb18030")


@pytest.mark.parametrize("fault, expected", [
    ("ok", "ok"), ("paper_near_end", "paper_near_end"), ("paper_out", "paper_out"),
    ("cover_open", "cover_open"), ("offline", "offline"), ("no_answer", "unknown")])
def test_each_status_answer_is_its_state(fault, expected):
    with PrinterEmulator() as emu:
        port = emu.serve_tcp()
        emu.set_state(fault)
        with Link(PrinterAddress("network", host="127.0.0.1", port=port), timeout=0.2) as link:
            assert link.status() == expected
        assert emu.queries[0] == 1


def test_status_bytes_that_are_not_status_are_unknown():
    assert state(b"", None, None) == "unknown"
    assert state(b"\x12", None, b"") == "unknown"  # online, but the paper sensor did not answer
    assert state(b"A", None, None) == "unknown"  # not a status byte (bits 1 and 4 are set in every one)
    assert state(b"\x12", None, b"\x12") == "ok"


def test_print_over_tcp_and_paper_running_out_mid_ticket():
    with PrinterEmulator() as emu:
        port = emu.serve_tcp()
        addr = PrinterAddress("network", host="127.0.0.1", port=port)
        with Link(addr, timeout=0.5) as link:
            link.send(layout.render(SLIP, 576, "gb18030"))
            assert link.status() == "ok"
        assert [t.qr for t in emu.printed] == [[URL]]
        emu.run_out_after(60)
        with Link(addr, timeout=0.5) as link:
            link.send(layout.render(SLIP, 576, "gb18030"))
            assert link.status() == "paper_out"
        assert emu.tickets[-1].torn and not emu.tickets[-1].cut and len(emu.printed) == 1


def test_serial_printer_on_a_pty():
    with PrinterEmulator() as emu:
        path = emu.serve_pty()
        with Link(PrinterAddress("serial", devfile=path, baudrate=19200), timeout=0.5) as link:
            assert link.status() == "ok"
            link.send(layout.render(SLIP, 384, "gb18030"))
            emu.set_state("paper_near_end")
            assert link.status() == "paper_near_end"
        assert emu.printed[0].sized(4) == ["A007"]


def test_an_unreachable_printer_is_an_error():
    with PrinterEmulator() as emu:
        port = emu.serve_tcp()
    with pytest.raises(PrinterError, match="cannot reach network:127.0.0.1"):
        Link(PrinterAddress("network", host="127.0.0.1", port=port), timeout=0.2).open()
    with pytest.raises(PrinterError):
        Link(PrinterAddress("serial", devfile="/dev/nonexistent-printer", baudrate=19200)).open()
    assert not os.path.exists("/dev/nonexistent-printer")
