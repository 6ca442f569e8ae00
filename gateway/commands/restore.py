"""hallgw restore --from FILE --data-dir DIR [--config FILE]: put a backup back as the store.
The backup's audit chain is verified first, and the hall (with --config) checked; a running
gateway on DIR is refused; the store it replaces is moved to DIR/replaced-<time>/, never deleted.
A backup made by an earlier release is fine: the gateway upgrades its schema when it opens it."""
from __future__ import annotations

import sys
from pathlib import Path

from gateway.runtime import DB_NAME


def register(sub) -> None:
    p = sub.add_parser("restore", help="put a backup back as the store, after verifying its audit chain")
    p.add_argument("--from", dest="source", required=True, metavar="FILE", help="a backup (hall-<id>-<time>.db)")
    p.add_argument("--data-dir", default="data", metavar="DIR")
    p.add_argument("--config", metavar="FILE", help="the hall file: the backup must be this hall's")
    p.set_defaults(func=run)


def run(args) -> int:
    from gateway.backup.restore import RestoreError, restore
    from gateway.config import ConfigError, load_file

    hall_id = None
    if args.config:
        try:
            hall_id = load_file(args.config).id
        except ConfigError as e:
            print("\n".join(e.lines()), file=sys.stderr)
            return 2
    src = Path(args.source)
    if not src.is_file():
        print(f"hallgw restore: no backup at {src}", file=sys.stderr)
        return 1
    try:
        got = restore(src, Path(args.data_dir), hall_id, DB_NAME)
    except RestoreError as e:
        print(f"hallgw restore: {e}", file=sys.stderr)
        return 1
    print(f"hallgw restore: {got['store']} is now {src} (hall {got['hall']}, {got['records']} records, audit chain "
          f"intact)" + (f"; the store it replaced is in {got['replaced']}" if got["replaced"] else ""))
    return 0
