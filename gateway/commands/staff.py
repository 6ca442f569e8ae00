"""hallgw staff code|list: the staff's login codes in the store (hashed, gateway/logins).

  hallgw staff code --config FILE --data-dir DIR STAFF_ID    a new code, typed twice (or one line on stdin)
  hallgw staff code --config FILE --data-dir DIR STAFF_ID --remove
  hallgw staff list --config FILE --data-dir DIR             who has a code, since when, from where

A code is never an argument (it would stay in the shell's history and show in `ps`).
The gateway may be running: it looks each typed code up in the store, so a new code
works at the next login."""
from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

from gateway.config import load_or_report

SOURCE = "hallgw staff code"


def register(sub) -> None:
    p = sub.add_parser("staff", help="staff login codes in the store: set a new one, list")
    ssub = p.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    c = ssub.add_parser("code", help="set (rotate) or remove a staff member's login code")
    c.add_argument("staff", metavar="STAFF_ID")
    c.add_argument("--remove", action="store_true", help="take the member's code away (they cannot log in)")
    ls = ssub.add_parser("list", help="who has a login code in the store")
    for q in (c, ls):
        q.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
        q.add_argument("--data-dir", default="data", metavar="DIR", help="where the store lives (default ./data)")
    c.set_defaults(func=code)
    ls.set_defaults(func=listing)


def _book(args):
    from gateway.logins.book import CodeBook
    from gateway.runtime import DB_NAME
    from gateway.store import CommandLog

    hall = load_or_report(args.config)
    if hall is None:
        return None, None
    db = Path(args.data_dir) / DB_NAME
    if not db.exists():
        print(f"hallgw staff: no store at {db} (start the gateway once first)", file=sys.stderr)
        return None, None
    try:
        CommandLog(db, hall.id).close()  # the store is this hall's, at this release's schema
    except ValueError as e:
        print(f"hallgw staff: {e}", file=sys.stderr)
        return None, None
    return hall, CodeBook.of(args.data_dir, hall, DB_NAME)


def _typed() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    first = getpass.getpass("new login code (4 to 8 digits): ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two codes differ")
    return first


def code(args) -> int:
    from gateway.logins.book import CodeProblem

    hall, book = _book(args)
    if book is None:
        return 2
    try:
        if args.remove:
            gone = book.remove(args.staff)
            print(f"hallgw staff: {args.staff}: " + ("code removed" if gone else "had no code in the store"))
            return 0
        book.set(args.staff, _typed(), SOURCE)
    except (CodeProblem, ValueError) as e:
        print(f"hallgw staff: {args.staff}: {e}", file=sys.stderr)
        return 1
    finally:
        book.close()
    print(f"hallgw staff: {args.staff}: new login code stored (hashed); it works at the next login")
    return 0


def listing(args) -> int:
    from gateway.logins.book import REMOVED

    hall, book = _book(args)
    if book is None:
        return 2
    stored = book.listing()
    book.close()
    for s in hall.staff:
        if s.id in stored:
            at, src = stored[s.id]
            when = dt.datetime.fromtimestamp(at).isoformat(timespec="seconds")
            if src == REMOVED:
                print(f"{s.id}\t{s.name}\tcode removed {when}: cannot log in")
                continue
            extra = " (the hall file still carries one: remove it)" if s.login_code else ""
            print(f"{s.id}\t{s.name}\tcode since {when}, from {src}{extra}")
        elif s.login_code:
            print(f"{s.id}\t{s.name}\tonly in the hall file: read in at the next start or first login")
        else:
            print(f"{s.id}\t{s.name}\tno code: cannot log in")
    return 0
