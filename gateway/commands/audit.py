"""hallgw audit verify --data-dir DIR: check the hash chain of the command log."""
from __future__ import annotations

from pathlib import Path

from gateway.runtime import DB_NAME
from gateway.store import verify


def register(sub) -> None:
    p = sub.add_parser("audit", help="audit log tools")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = asub.add_parser("verify", help="check that no audit record was altered or removed")
    v.add_argument("--data-dir", default="data", metavar="DIR")
    v.set_defaults(func=verify_cmd)


def verify_cmd(args) -> int:
    db = Path(args.data_dir) / DB_NAME
    ok, count, message = verify(db)
    print(f"{db}: {message}")
    return 0 if ok else 1
