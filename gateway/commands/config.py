"""hallgw config check FILE: validate a hall definition."""
from __future__ import annotations

import sys

from gateway.config import ConfigError
from gateway.devices.fit import load_checked


def register(sub) -> None:
    p = sub.add_parser("config", help="hall configuration tools")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    c = csub.add_parser("check", help="validate a hall TOML file")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.set_defaults(func=check)


def check(args) -> int:
    status = 0
    for f in args.files:
        try:
            hall = load_checked(f)
        except ConfigError as e:
            for line in e.lines():
                print(line, file=sys.stderr)
            print(f"{f}: {len(e.problems)} problem(s)", file=sys.stderr)
            status = 1
            continue
        print(f"{f}: ok: {hall.name} ({hall.id}, {hall.tier}): {len(hall.services)} services, "
              f"{len(hall.windows)} windows, {len(hall.devices)} devices, {len(hall.staff)} staff")
    return status
