"""hallgw system-units --config FILE --out DIR: the systemd units (and the sysusers entry) for
this hall's install; `make install` calls it (deploy/install.sh)."""
from __future__ import annotations

from pathlib import Path

from gateway.config import load_or_report
from gateway.install import units


def register(sub) -> None:
    d = units.Paths()
    p = sub.add_parser("system-units", help="write the systemd units for an install (make install uses it)")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file ([broker] embedded decides "
                   "whether a Mosquitto unit is written)")
    p.add_argument("--out", required=True, metavar="DIR", help="where the .service files go")
    p.add_argument("--sysusers", metavar="FILE", help="also write the sysusers.d entry (user hall and its groups)")
    p.add_argument("--journald", metavar="FILE", help="also write the journald drop-in that bounds the journal")
    p.add_argument("--app", default=d.app, help=f"the gateway's venv ({d.app})")
    p.add_argument("--etc", default=d.etc, help=f"hall file, tokens, gateway.env ({d.etc})")
    p.add_argument("--state", default=d.state, help=f"the store ({d.state})")
    p.add_argument("--backups", default=d.backups, help=f"the backup folder ({d.backups})")
    p.add_argument("--watchdog", type=int, default=d.watchdog_seconds, metavar="S",
                   help=f"WatchdogSec: restart a gateway silent this long ({d.watchdog_seconds})")
    p.set_defaults(func=run)


def run(args) -> int:
    hall = load_or_report(args.config)
    if hall is None:
        return 1
    paths = units.Paths(args.app, args.etc, args.state, args.backups, args.watchdog)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in units.units(paths, hall.broker.embedded).items():
        (out / name).write_text(text)
        print(out / name)
    if args.sysusers:
        Path(args.sysusers).parent.mkdir(parents=True, exist_ok=True)
        Path(args.sysusers).write_text(units.sysusers(paths))
        print(args.sysusers)
    if args.journald:
        Path(args.journald).parent.mkdir(parents=True, exist_ok=True)
        Path(args.journald).write_text(units.journald_dropin())
        print(args.journald)
    return 0
