"""The screen font (gateway/provision/screen_font.py -> screen.font in the device's
flash): it holds every character the firmware's screens draw of their own, it is
built again from the firmware's strings, the firmware finds each glyph in it by
binary search (under the real MicroPython), and the emulated board reads the
screen's pixels back against it."""
import ast
import shutil
import subprocess

import pytest

from gateway.display.render import glyph, text_width
from gateway.provision import flash, screen_font
from hil.board.board import draw_screen, read_screen, screen_clean
from tests.support import ROOT, tool

FIRMWARE = ROOT / "firmware"


def literals(path):
    """Every string constant of a module (docstrings too: the font need not be minimal)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_every_character_of_the_screen_modules_strings_is_in_the_font():
    font = screen_font.parse(screen_font.font_file())
    for name in screen_font.SCREENS:
        for s in literals(FIRMWARE / name):
            missing = {c for c in s if c not in font and c not in "\n\t"}
            assert not missing, f"{name}: {s!r} needs {sorted(missing)}, not in screen.font"
    assert set(screen_font.ASCII) <= set(font)             # ticket numbers, digits, punctuation
    assert set("号窗口等候人未登录办件编号即承诺联上报退暂停原因离线在叫理中空闲岗请您评价谢欢迎") <= set(font)
    assert "器" not in font and "屏" not in font            # words of comments only (叫号器, 条屏)


def test_every_module_that_draws_on_a_screen_is_one_the_font_is_built_from():
    drawers = {p.name for p in FIRMWARE.glob("*.py")
               if "from screen import" in p.read_text(encoding="utf-8")}
    assert drawers == {"callpad.py", "evaluator.py"}
    assert drawers | {"screen.py"} == set(screen_font.SCREENS)


def test_a_word_added_to_a_screen_is_in_the_next_build(tmp_path):
    fw = tmp_path / "firmware"
    shutil.copytree(FIRMWARE, fw)
    assert "鸿" not in screen_font.font_chars(fw)
    with (fw / "callpad.py").open("a", encoding="utf-8") as f:
        f.write('\n_WORD = "鸿雁"   # 注释里的字不算\n')
    chars = screen_font.font_chars(fw)
    assert "鸿" in chars and "雁" in chars and "注" not in chars
    assert set(screen_font.parse(screen_font.font_file(fw))) == set(chars)


def test_the_file_is_a_sorted_index_and_unifonts_bitmaps():
    data = screen_font.font_file()
    font = screen_font.parse(data)
    chars = list(font)
    assert chars == sorted(chars) and len(chars) == len(set(chars))   # binary-searchable by code point
    assert data[:2] == b"HZ" and int.from_bytes(data[2:4], "big") == len(chars)
    for c in chars:
        g = glyph(c)
        want = bytes(g[2 * r] for r in range(16)) if text_width(c) <= 8 else g   # half-width: the left byte
        assert font[c] == want, c
    assert all(len(font[c]) == 16 for c in screen_font.ASCII) and len(font["号"]) == 32
    # 16 bytes a half-width glyph, 32 a wide one, 4 of index each: a few KB of flash
    wide = sum(len(v) == 32 for v in font.values())
    assert len(data) == 4 + 4 * len(chars) + 16 * (len(chars) - wide) + 32 * wide < 8192


def test_a_character_without_a_16_px_glyph_stops_the_build():
    with pytest.raises(ValueError, match="U[+]1F600"):
        screen_font.build("A\U0001F600")


def test_the_pad_and_the_evaluator_get_the_font_and_the_led_display_does_not(tmp_path):
    for role in ("callpad", "evaluator", "display"):
        out = tmp_path / role
        out.mkdir()
        names = [p.name for p in flash.build(out, {"device": "x", "role": role})]
        assert ("screen.font" in names) == (role != "display"), role
        if role != "display":
            assert (out / "screen.font").read_bytes() == screen_font.font_file()
            assert names[-1] == "config.json"


PROBE = """
import sys
sys.path.insert(0, %r)
class I2C:
    def writeto(self, a, b): pass
    def writevto(self, a, v): pass
from screen import Screen
s = Screen(I2C())
for c in %r:
    w = s._glyph(c, True)
    print(ord(c), w, bytes(s._g[:w * 2]).hex())
"""


def test_the_firmware_finds_every_glyph_by_binary_search_and_misses_the_rest(tmp_path):
    (tmp_path / "screen.font").write_bytes(screen_font.font_file())
    font = screen_font.parse(screen_font.font_file())
    probe = "".join(font) + "器\x01\uffff"
    out = subprocess.run([tool("micropython"), "-X", "heapsize=96K", "-c", PROBE % (str(FIRMWARE), probe)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    got = {chr(int(cp)): (int(w), bits) for cp, w, bits in (ln.split(" ") for ln in out.stdout.splitlines())}
    for c, bits in font.items():
        assert got[c] == (len(bits) // 2, bits.hex()), c
    assert got["器"][0] == got["\x01"][0] == got["\uffff"][0] == 0      # not in the font: drawn as '?'


def test_the_screen_is_read_back_from_its_pixels_and_a_stray_pixel_shows():
    lines = ["1号窗口  等候7人", "王芳 A岗", "A012 办理中", "已关联 办件 5501"]
    gram = draw_screen(lines, "王芳")
    assert read_screen(gram, "王芳") == lines and screen_clean(gram, "王芳")
    assert read_screen(gram)[1] == "???? A岗"   # a glyph not known reads '?' for each 8 px
    stray = bytearray(gram)
    stray[2 * 128 + 127] |= 0x10                # one pixel at the right edge of line 2, where no glyph is
    assert read_screen(bytes(stray), "王芳") == [lines[0], "王芳 A岗" + " " * 7 + "?"] + lines[2:]
    assert not screen_clean(bytes(stray), "王芳")
    cut = draw_screen(["", "", "", "1号窗口"])
    cut = bytes(cut[:6 * 128 + 8]) + bytes(8) + cut[6 * 128 + 16:]   # half of 号 gone
    assert read_screen(cut)[3] == "1??窗口" and not screen_clean(cut)
