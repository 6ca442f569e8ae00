"""`hallgw`: the gateway's command line.

Each module in gateway/commands/ contributes one subcommand through
``register(subparsers)``, so a feature brings its command with it.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import gateway.commands


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hallgw", description="Government service hall gateway")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(gateway.commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"gateway.commands.{info.name}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
