# The emulated board's side of the control channel: one loopback TCP line
# protocol to the host (hil/board/board.py), served by an asyncio task that
# runs in the firmware's own event loop. Holds the emulated hardware state.
import asyncio
import gc
import json
import os
import socket
import sys
import time

pins = {}          # gpio -> the Pin object the firmware made last
wifi_up = True
spi_cs = 5         # keymap.SPI_CS; the MAX7219 chain latches on its rising edge
spi_buf = bytearray()
peak = 0
_role = None
_sock = None


def _open():
    port = os.getenv("HIL_CTRL")
    if not port:
        return None
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", int(port))[0][-1])
    try:
        s.setsockopt(6, 1, 1)
    except Exception:
        pass
    return s


def tell(obj):
    if _sock:
        _sock.write(json.dumps(obj) + "\n")


def role():
    global _role
    if _role is None:
        with open("config.json") as f:
            _role = json.load(f)["role"]
    return _role


def _sample():
    global peak
    a = gc.mem_alloc()
    if a > peak:
        peak = a


async def _press(req):
    import keymap
    gpio = keymap.pin_of(role(), req["key"])
    pin = pins.get(gpio)
    if pin is None:
        raise ValueError("key %s is not wired yet (board booting)" % req["key"])
    hold = req.get("hold") or (1200 if req.get("long") else 60)
    # Contact bounce on both edges, as a real tact switch does.
    pin.script(((0, 0), (2, 1), (4, 0), (6, 1), (8, 0), (hold, 1), (hold + 2, 0), (hold + 4, 1)))
    await asyncio.sleep_ms(hold + 60)
    return True


async def _wifi(req):
    global wifi_up
    wifi_up = bool(req["on"])
    return wifi_up


async def _screen(req):
    import machine
    s = machine.SCREEN
    return {"gram": s.gram.hex(), "on": s.on, "inv": s.inv}


async def _panel(req):
    import machine
    p = machine.PANEL
    return {"rows": p.rows.hex(), "intensity": list(p.intensity), "shutdown": list(p.shutdown)}


async def _leds(req):
    import keymap
    out = {}
    for name, gpio in keymap.LEDS[role()] + (("status", keymap.STATUS_LED),):
        p = pins.get(gpio)
        out[name] = p.value() if p else 0
    return out


async def _trace(req):
    import keymap
    p = pins.get(keymap.STATUS_LED)
    now = time.ticks_ms()
    return [[time.ticks_diff(now, t), v] for t, v in (p.trace if p else ())]


async def _mem(req):
    _sample()
    fw = sys.modules.get("device")
    return {"alloc": gc.mem_alloc(), "free": gc.mem_free(),
            "peak": max(peak, getattr(fw, "peak", 0)), "fw_peak": getattr(fw, "peak", 0)}


async def _font(req):
    import framebuf
    buf = bytearray(8)
    fb = framebuf.FrameBuffer(buf, 8, 8, framebuf.MONO_VLSB)
    out = []
    for c in range(32, 127):
        fb.fill(0)
        fb.text(chr(c), 0, 0, 1)
        out.append(buf.hex())
    return out


async def _hang(req):
    time.sleep_ms(req["ms"])   # blocks the whole event loop: a firmware hang
    return True


_OPS = {"press": _press, "wifi": _wifi, "screen": _screen, "panel": _panel, "leds": _leds,
        "trace": _trace, "mem": _mem, "font": _font, "hang": _hang}


async def _serve():
    r = asyncio.StreamReader(_sock)
    while True:
        line = await r.readline()
        if not line:
            print("board: control channel closed")
            sys.exit(0)
        req = json.loads(line)
        try:
            res = {"id": req["id"], "ok": await _OPS[req["op"]](req)}
        except Exception as e:
            res = {"id": req["id"], "err": repr(e)}
        tell(res)
        _sample()


async def _sampler():
    while True:
        _sample()
        await asyncio.sleep_ms(20)


_sock = _open()
if _sock:
    asyncio.create_task(_serve())
    asyncio.create_task(_sampler())
