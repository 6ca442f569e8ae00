"""LED window display under the real MicroPython unix port: frames from
desired state reach the MAX7219 chain's pixels, wide frames scroll,
brightness follows `bright`, and a lost broker keeps the content and adds an
offline marker (top-right 2x2)."""
import base64
import random

DEV = "w01-led"
PW, PH = 64, 16


def pattern(fw, seed):
    rnd = random.Random(seed)
    px = [[rnd.randint(0, 1) for _ in range(fw)] for _ in range(PH)]
    for y in range(2):                     # the marker's corner stays dark in the frame
        px[y][PW - 2:PW] = [0, 0]
    return px


def desired(px, bright=7):
    fw = len(px[0])
    raw = bytes(int("".join(map(str, row[x:x + 8])), 2) for row in px for x in range(0, fw, 8))
    return {"v": 1, "role": "display", "window": 3, "status": "calling", "text": "A012", "ticket": "A012",
            "pw": PW, "ph": PH, "fw": fw, "frame": base64.b64encode(raw).decode(), "scroll": fw > PW,
            "bright": bright}


def window(px, offset):
    fw = len(px[0])
    return [[row[(x + offset) % fw] for x in range(PW)] for row in px]


def test_frames_brightness_and_the_offline_marker(make_board, gateway):
    b = make_board("display", DEV)
    b.wait_until(lambda: gateway.online(DEV), 10, "online")
    px = pattern(PW, 1)
    gateway.publish_desired(DEV, desired(px, bright=3))
    b.wait_until(lambda: b.display_pixels() == px, what="frame on the panel")
    b.wait_until(lambda: b.display_intensity() == [3] * 16, what="intensity 3 on all sixteen modules")
    px2 = pattern(PW, 2)
    gateway.publish_desired(DEV, desired(px2, bright=12))
    b.wait_until(lambda: b.display_pixels() == px2, what="second frame")
    b.wait_until(lambda: b.display_intensity() == [12] * 16, what="intensity 12")

    b.wifi(False)
    marked = [row[:] for row in px2]
    for y in range(2):
        marked[y][PW - 2:PW] = [1, 1]
    b.wait_until(lambda: b.display_pixels() == marked, 30, "last frame kept, offline marker on")
    b.wifi(True)
    b.wait_until(lambda: b.display_pixels() == px2, 20, "marker gone once back online")


def test_a_wide_frame_scrolls_across_the_panel(make_board, gateway):
    b = make_board("display", DEV)
    px = pattern(PW * 2, 3)
    gateway.publish_desired(DEV, desired(px))
    seen = set()

    def offset_now():
        shown = b.display_pixels()
        for off in range(len(px[0])):
            if window(px, off) == shown:
                seen.add(off)
                return True
        return False

    # every snapshot is a window of the wide frame, and the window moves
    b.wait_until(lambda: offset_now() and len(seen) >= 5, 15, "five scroll positions")
