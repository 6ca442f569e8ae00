"""The Pi's own LED panel (luma.led_matrix, here luma.emulator) draws the same desired state
as the ESP32 display running the firmware, pixel for pixel: a frame that fits, one that
scrolls (at whatever offset the board has reached), the offline marker, the brightness."""
import base64

from gateway.attached.panel import Panel, draw, frame_image
from gateway.display.render import render
from hil.pi.panel import emulated_panel, intensity, pixels

DEV = "w01-led"
PW, PH = 64, 16


def desired(text: str, bright: int = 7) -> dict:
    f = render(text, PW, PH)
    return {"v": 1, "role": "display", "window": 1, "status": "calling", "text": text, "ticket": "A012",
            "pw": PW, "ph": PH, "fw": f.width, "frame": base64.b64encode(f.bits).decode(), "scroll": f.scroll,
            "bright": bright}


def bits(img) -> list[list[int]]:
    return [[int(img.getpixel((x, y)) > 0) for x in range(img.width)] for y in range(img.height)]


def test_the_pi_panel_draws_what_the_esp32_display_draws(make_board, gateway):
    board = make_board("display", DEV)
    board.wait_until(lambda: gateway.online(DEV), 10, "online")
    emu = emulated_panel(PW, PH)
    panel = Panel(emu, window=1)
    panel.online(True)

    d = desired("A012 1号", bright=3)
    gateway.publish_desired(DEV, d)
    panel.apply(dict(d))
    board.wait_until(lambda: board.display_pixels() == pixels(emu), what="the same frame on both panels")
    assert any(any(r) for r in pixels(emu))
    assert intensity(emu) == 3
    board.wait_until(lambda: board.display_intensity() == [3] * 16, what="intensity 3 on the board too")

    d = desired("请 A012 号到 1 号窗口办理", bright=12)  # wider than the panel: both scroll it
    assert d["scroll"]
    gateway.publish_desired(DEV, d)
    panel.apply(dict(d))
    frame = frame_image(d)
    found = board.wait_until(lambda: next((o for o in range(d["fw"]) if draw(frame, (PW, PH), o, True, True)
                                           == draw_of(board.display_pixels())), None) is not None,
                             what="the board's picture at some scroll offset of the Pi's drawing")
    assert found
    for _ in range(70):  # the Pi panel scrolls the same way: one pixel a step, round again
        panel.step()
    assert pixels(emu) == bits(draw(frame, (PW, PH), 70 % d["fw"], True, True))
    assert intensity(emu) == 12
    board.wait_until(lambda: board.display_intensity() == [12] * 16, what="intensity 12 on the board too")

    d = desired("A013")
    gateway.publish_desired(DEV, d)
    panel.apply(dict(d))
    board.wait_until(lambda: board.display_pixels() == pixels(emu), what="a new frame")
    board.wifi(False)
    panel.online(False)
    board.wait_until(lambda: board.display_pixels() == pixels(emu), 30, "the offline marker on both")
    assert pixels(emu)[0][PW - 2:] == [1, 1] and pixels(emu)[1][PW - 2:] == [1, 1]
    board.wifi(True)


def draw_of(rows):
    """A board's pixel rows as the image draw() returns, to compare with it."""
    from PIL import Image
    img = Image.new("1", (len(rows[0]), len(rows)))
    for y, r in enumerate(rows):
        for x, v in enumerate(r):
            img.putpixel((x, y), v)
    return img
