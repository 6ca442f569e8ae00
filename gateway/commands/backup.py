"""hallgw backup --data-dir DIR --to FOLDER [--keep-days N]: one online backup of the store now
(the gateway may be running), then the ones older than N days removed. The gateway makes
them on a schedule itself with `hallgw run --backup-dir FOLDER` (gateway/extensions/backup.py)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from gateway.runtime import DB_NAME

KEEP_DAYS = 14


def register(sub) -> None:
    p = sub.add_parser("backup", help="an online backup of the store into a folder, old ones pruned")
    p.add_argument("--data-dir", default="data", metavar="DIR")
    p.add_argument("--to", required=True, metavar="FOLDER", help="where backups are kept (a second disk)")
    p.add_argument("--keep-days", type=float, default=KEEP_DAYS, metavar="N",
                   help=f"remove this hall's backups older than N days; the newest is always kept ({KEEP_DAYS})")
    p.set_defaults(func=run)


def run(args) -> int:
    from gateway.backup import copy
    from gateway.backup.restore import hall_of

    db = Path(args.data_dir) / DB_NAME
    if not db.exists():
        print(f"hallgw backup: no store at {db}", file=sys.stderr)
        return 1
    hall = hall_of(db) or "hall"
    now = time.time()
    made = copy.make(db, Path(args.to), hall, now)
    copy.note(db, made, now)
    gone = copy.prune(Path(args.to), hall, args.keep_days, now)
    print(f"hallgw backup: {made.path}: records 1..{made.seq}, {made.bytes / 2**20:.1f} MB in {made.seconds:.2f} s"
          + (f"; removed {len(gone)} older than {args.keep_days:g} days" if gone else ""))
    return 0
