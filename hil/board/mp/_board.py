# The emulated board's side of the control channel to the host
# (hil/board/board.py). Bus traffic and output pins are forwarded as they
# happen, so the chips are modelled on the host and cost the board no RAM.
# Frames to the host: kind byte, 2-byte length, payload. Kinds: J json,
# I i2c write (address + bytes), S spi transaction, P pin (gpio, level).
import asyncio
import gc
import json
import os
import socket
import sys
import time

pins = {}          # gpio -> the Pin object the firmware made last
wifi_up = os.getenv("HIL_WIFI") != "0"   # the host's radio state at power-up
ntp_ok = os.getenv("HIL_NTP") != "0"     # whether the NTP server answers
_sock = None
_role = None       # read from flash at the first press (a board's role is set at provisioning)
_hdr = bytearray(3)


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


def send(kind, *parts):
    if not _sock:
        return
    n = 0
    for p in parts:
        n += len(p)
    _hdr[0], _hdr[1], _hdr[2] = kind, n >> 8, n & 255
    _sock.write(_hdr)
    for p in parts:
        _sock.write(p)


def tell(obj):
    send(74, json.dumps(obj).encode())


async def _serve():
    global wifi_up, ntp_ok, _role
    r = asyncio.StreamReader(_sock)
    while True:
        line = await r.readline()
        if not line:
            sys.exit(0)
        req = json.loads(line)
        op = req["op"]
        res = True
        try:
            if op == "press":
                import keymap
                if _role is None:
                    with open("config.json") as f:
                        _role = json.load(f)["role"]
                table = keymap.CALLPAD_KEYS if _role == "callpad" else keymap.EVALUATOR_KEYS if _role == "evaluator" else ""
                gpio = [int(k.split(":")[1]) for k in table.split() if k.split(":")[0] == req["key"]]
                if not gpio:
                    raise ValueError("this board has no key " + req["key"])
                pin = pins.get(gpio[0])
                if pin is None:
                    raise ValueError("key not wired yet (board booting)")
                hold = 1200 if req.get("long") else 60
                # contact bounce on both edges, as a real tact switch does
                pin.script(((0, 0), (2, 1), (4, 0), (6, 1), (8, 0), (hold, 1), (hold + 2, 0), (hold + 4, 1)))
                while pin.pressing():
                    await asyncio.sleep_ms(10)
                await asyncio.sleep_ms(50)   # past the debounce: the next press is a new one
            elif op == "wifi":
                wifi_up = req["on"]
            elif op == "ntp":
                ntp_ok = req["on"]
            elif op == "mem":
                fw = sys.modules.get("device")
                res = {"alloc": gc.mem_alloc(), "free": gc.mem_free(), "peak": getattr(fw, "peak", 0)}
            elif op == "hang":
                time.sleep_ms(req["ms"])   # blocks the whole event loop: a hung driver
            res = {"id": req["id"], "ok": res}
        except Exception as e:
            res = {"id": req["id"], "err": repr(e)}
        tell(res)


_sock = _open()
if _sock:
    asyncio.create_task(_serve())
