"""The end-of-day display check: a panel matches the desired frame exactly, at
any scroll offset for a scrolling frame, and a wrong pixel is caught."""
from gateway.display.render import render
from hil.day.check import frame_rows, panel_matches


def desired(lines, pw, ph):
    f = render(lines, pw, ph)
    return {"frame": f.b64(), "fw": f.width, "pw": pw, "ph": ph, "scroll": f.scroll}


def test_static_frame_matches_only_its_own_pixels():
    d = desired(["A012"], 64, 16)
    rows = frame_rows(d)
    panel = [r[:64] for r in rows]
    assert panel_matches(panel, d)
    panel[3][5] ^= 1
    assert not panel_matches(panel, d)


def test_scrolling_frame_matches_at_any_offset_but_not_another_text():
    d = desired(["1号 综合受理窗口 A012"], 64, 16)
    assert d["scroll"]
    rows = frame_rows(d)
    off = 37
    panel = [[r[(off + x) % d["fw"]] for x in range(64)] for r in rows]
    assert panel_matches(panel, d)
    # The window onto the frame's end, where the last digit differs.
    other = frame_rows(desired(["1号 综合受理窗口 A013"], 64, 16))
    end = len(other[0]) - 64
    assert not panel_matches([r[end:end + 64] for r in other], d)
