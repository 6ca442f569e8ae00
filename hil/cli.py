"""hall-hil: the hall in the loop. run (the emulated hall with its page),
day (a simulated hall day with checks), bench (press-to-display latency)."""
from __future__ import annotations

import argparse
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    from hil import bench, demo, reports_bench, upstream_bench
    from hil.day import run as day
    from hil.tiers import bench as tiers_bench
    from hil.tiers import run as tiers

    ap = argparse.ArgumentParser(prog="hall-hil", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    demo.register(sub)
    day.register(sub)
    bench.register(sub)
    upstream_bench.register(sub)
    reports_bench.register(sub)
    tiers.register(sub)
    tiers_bench.register(sub)
    args = ap.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the commands' cleanup stops the gateway,
    # the broker and the boards they started instead of leaving them running.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(128 + signal.SIGTERM))
    from gateway.config import ConfigError
    try:
        return args.func(args)
    except ConfigError as e:  # an invalid hall file starts nothing
        print("\n".join(e.lines()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
