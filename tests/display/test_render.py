"""LED frames rendered with GNU Unifont at 16 px, checked pixel by pixel."""
import base64

import pytest
from PIL import Image, ImageDraw

from gateway.display.font import font_path, unifont
from gateway.display.render import render, text_width
from protocols import desired as wire


def test_unifont_is_the_debian_bitmap_font():
    assert "unifont" in font_path().name
    # Unifont: ASCII glyphs are 8 px wide, CJK 16 px.
    assert text_width("A012") == 32
    assert text_width("号") == 16
    assert text_width("3号 A012") == 64


def test_text_that_fits_makes_a_panel_sized_frame():
    f = render("3号 A012", 64, 16)
    assert (f.width, f.height, f.scroll) == (64, 16, False)
    assert len(f.bits) == 64 * 16 // 8


def test_frame_matches_pil_pixel_for_pixel_msb_first():
    f = render("3号 A012", 64, 16)
    ref = Image.new("1", (64, 16), 0)
    ImageDraw.Draw(ref).text((0, 0), "3号 A012", font=unifont(), fill=1)
    for y in range(16):
        for x in range(64):
            assert f.pixel(x, y) == bool(ref.getpixel((x, y))), (x, y)
    # Row 0 is blank, the '3' glyph's top arc starts on row 4 at x=2..5: MSB first means 0b00111100.
    assert f.bits[0] == 0
    assert f.bits[4 * 8] == 0b00111100


def test_wide_text_scrolls_and_is_rounded_to_whole_bytes():
    f = render("暂停 会议 14:30回", 64, 16)
    assert f.width == 168 and f.scroll  # 132 px of text + the 32 px scroll gap, rounded up to bytes
    f = render("A", 64, 16)
    assert f.width == 64 and not f.scroll
    f = render("ABCDEFGHI" * 2, 128, 16)  # 144 px
    assert f.width == 176 and f.width % 8 == 0  # 144 px of text + the 32 px gap


def test_frame_is_valid_desired_state():
    for text, pw in (("3号 综合受理 A012", 128), ("暂停 会议 14:30回", 64), ("", 64)):
        f = render(text, pw, 16)
        d = {"v": 1, "rev": 1, "role": "display", "window": 3, "status": "calling", "text": text,
             "pw": pw, "ph": 16, "fw": f.width, "frame": f.b64(), "scroll": f.scroll, "bright": 15}
        wire.validate(d)
        assert base64.b64decode(d["frame"]) == f.bits


def test_two_lines_on_a_32_px_panel():
    f = render(["3号 综合受理", "A012"], 128, 32)
    assert (f.width, f.height) == (128, 32)
    top = any(f.pixel(x, y) for y in range(16) for x in range(128))
    bottom = any(f.pixel(x, y) for y in range(16, 32) for x in range(128))
    assert top and bottom
    # The second line is the ticket alone: nothing lit right of 32 px on the bottom half.
    assert not any(f.pixel(x, y) for y in range(16, 32) for x in range(33, 128))


def test_bad_panels_are_refused():
    for pw, ph in ((60, 16), (64, 12), (64, 8), (0, 16)):
        with pytest.raises(ValueError):
            render("A", pw, ph)


def test_overlong_text_is_refused_not_truncated_silently():
    with pytest.raises(ValueError, match="frame limit"):
        render("长" * 200, 64, 16)


def test_scrolling_text_leaves_a_gap_before_it_comes_round():
    from gateway.display.render import SCROLL_GAP, render, text_width

    text = "1号 综合受理 A001"
    f = render(text, 64, 16)
    assert f.scroll and f.width >= text_width(text) + SCROLL_GAP
    lit = [x for x in range(f.width) for y in range(16) if f.pixel(x, y)]
    assert f.width - 1 - max(lit) >= SCROLL_GAP - 1  # the tail is blank
    assert not render("A001", 64, 16).scroll and render("A001", 64, 16).width == 64
