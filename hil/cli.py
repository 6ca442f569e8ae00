"""hall-hil: the hall in the loop. run (the emulated hall with its pages), day (a simulated hall
day with checks), tiers (a county, a township and a village with faults). The benchmarks are
`hall-bench`."""
from __future__ import annotations

import argparse
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    from hil.day import run as day
    from hil.hall import run as demo
    from hil.tiers import run as tiers

    ap = argparse.ArgumentParser(prog="hall-hil", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    demo.register(sub)
    day.register(sub)
    tiers.register(sub)
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
