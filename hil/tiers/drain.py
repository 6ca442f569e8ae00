"""A site's gateway after its simulated day, with only the tiers running (no devices, no
ticker: nothing new is logged), so what is still on its way up arrives. Stops at SIGTERM.

    python -m hil.tiers.drain --config FILE --data-dir DIR
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from gateway import extensions
from gateway.config import load_file
from gateway.extensions import county, mirror
from gateway.extensions.context import Context, Settings, Tokens
from gateway.extensions.order import declared
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
    # no web server (http_port 0): the site's status goes up without its devices, as before
    settings = Settings(data_dir=Path(a.data_dir), broker_host="127.0.0.1", http_port=0)
    ctx = Context(rt, Tokens.load(a.data_dir), settings, clock=time.time)
    # the county's view listens to the mirror's hub: the same order and ports as in `hallgw run`
    parts = extensions.start_all(ctx, extensions.plan([declared(m) for m in
                                                       [mirror] + ([] if a.without_view else [county])]))
    if (hall.parent is not None or hall.mirror.children) and "mirror" not in dict(parts):
        print(f"drain: {hall.id}: the mirror did not start (the log above says why)", file=sys.stderr, flush=True)
        rt.close()
        return 1
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f"drain: {hall.id} up ({rt.store.seq} records)", flush=True)
    done.wait()
    extensions.stop_all(parts)
    rt.close()
    print(f"drain: {hall.id} stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
