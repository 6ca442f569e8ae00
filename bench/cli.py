"""hall-bench: the project's benchmarks. `hall-bench list` names them; `hall-bench NAME --help`
tells each one's options; every run prints its figures as key=value on its last line."""
from __future__ import annotations

import argparse
import importlib
import signal
import sys

# name -> module under bench/ (each has arguments(parser), run(args) and a docstring that says
# what it measures in its first line)
BENCHES = {
    "engine": "engine",          # commands a second: engine alone, with the store, through the API
    "devices": "devices",        # MQTT relay and device event -> desired state, side by side
    "display": "display",        # key press -> LED pixels and -> hall screen DOM, on a whole hall
    "voice": "voice",            # a call -> the first audio sample handed to the player
    "upstream": "upstream",      # rating commit -> provincial acceptance, and the offline drain
    "reports": "reports",        # a simulated year: build, month report, dashboard push
    "tiers": "tiers",            # the county's ingest into PostgreSQL and the lag up the tiers
    "backup": "backup",          # online backup, audit and restore of a month of the county
    "footprint": "footprint",    # the gateway's RSS and CPU over a peak hour
    "heap": "heap",              # each device role's heap peak over a simulated day
    "heap-boot": "heap_boot",    # where a role's heap goes as the firmware boots, step by step
    "tls": "tls",                # heap, RSS and reconnect times of each role with and without TLS
    "radio": "radio",            # key press -> display pixels, the display's radio awake and in power save
    "flood": "flood",            # a device flood: RSS before, peak and a minute later, store and log growth
    "conns": "conns",            # idle connections flooding the gateway: what it holds, the kiosk's time
}


def module(name: str):
    return importlib.import_module(f"bench.{BENCHES[name]}")


def summary(name: str) -> str:
    doc = (module(name).__doc__ or "").strip().splitlines()
    return doc[0] if doc else ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        print("\n".join(f"  {n:10s} {BENCHES[n]}" for n in BENCHES))
        return 0 if argv else 2
    if argv[0] == "list":
        for name in BENCHES:
            print(f"{name:10s} {summary(name)}")
        return 0
    name = argv[0]
    if name not in BENCHES:
        print(f"hall-bench: no benchmark {name!r}; `hall-bench list` names them", file=sys.stderr)
        return 2
    m = module(name)
    p = argparse.ArgumentParser(prog=f"hall-bench {name}", description=(m.__doc__ or "").strip())
    m.arguments(p)
    args = p.parse_args(argv[1:])
    # SIGTERM unwinds like Ctrl-C, so a benchmark's cleanup stops what it started.
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(128 + signal.SIGTERM))
    from gateway.config import ConfigError
    try:
        return int(m.run(args) or 0)
    except ConfigError as e:
        print("\n".join(e.lines()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
