"""A site's gateway after its simulated day, with only the tiers running (no devices, no
ticker: nothing new is logged), so what is still on its way up arrives. Stops at SIGTERM.

    python -m hil.tiers.drain --config FILE --data-dir DIR
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading
import time

from gateway.config import load_file
from gateway.extensions import county, mirror
from gateway.runtime import Runtime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--without-view", action="store_true", help="the county's ingest only (the benchmark)")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    hall = load_file(a.config)
    rt = Runtime(hall, a.data_dir)
    options = {"data_dir": a.data_dir, "broker_host": "127.0.0.1", "broker_port": hall.broker.port,
               "clock": time.time}
    parts = [mirror.create(rt, options)] + ([] if a.without_view else [county.create(rt, options)])
    parts = [p for p in parts if p is not None]
    for p in parts:
        p.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"drain: {hall.id} up ({rt.store.seq} records)", flush=True)
    done.wait()
    for p in reversed(parts):
        p.stop()
    rt.close()
    print(f"drain: {hall.id} stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
