# Boot: read config.json, start the role it names. A bad config stops here
# with one line on the serial console and the status LED blinking fast; any
# other crash resets the board after a pause (the watchdog backs this up).
import gc
import sys
import time

# Loading modules leaves small holes all over the heap; keep one block free
# through the imports so the screen, frame and message buffers fit afterwards.
_room = bytearray(4096)

import config  # noqa: E402

try:
    cfg = config.load()
except ValueError as e:
    print("config.json: %s" % e)
    cfg = None
del sys.modules["config"], config   # needed once; its RAM goes back to the heap

tls = None
if cfg is not None and "tls_ca" in cfg:
    # First, while the heap is whole: the TLS context stays for good (mqtt.tls_context).
    from mqtt import tls_context
    try:
        tls = tls_context(cfg["tls_ca"])
    except Exception as e:
        print("config.json: tls_ca %s: %r" % (cfg["tls_ca"], e))
        cfg = None

import machine  # noqa: E402
import keymap  # noqa: E402

import asyncio  # noqa: E402

if cfg is None:
    from statusled import StatusLed, ERROR
    led = StatusLed(keymap.STATUS_LED)
    led.pattern = ERROR
    asyncio.run(led.run())
import device  # noqa: E402

role = cfg["role"]
if role == "callpad":
    from callpad import CallPad as Role
elif role == "evaluator":
    from evaluator import Evaluator as Role
else:
    from display import Display as Role
gc.collect()

print("boot: %s %s window %d fw %s" % (cfg["device"], role, cfg["window"], device.FW))
try:
    dev = device.Device(cfg, tls)
    del _room
    gc.collect()
    app = Role(dev)
    gc.collect()
    asyncio.run(dev.run(app))
except Exception as e:
    sys.print_exception(e)
    time.sleep(2)
    machine.reset()
