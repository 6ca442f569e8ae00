"""What the gateway says at start about the hall file's login codes: read into the
store, ignored (the store's stand), clashing, missing. Staff ids only, never a code."""
from __future__ import annotations

import logging
import sys

from gateway.logins.book import CodeBook

log = logging.getLogger("hallgw.logins")


def import_at_start(book: CodeBook, hall_file: str) -> None:
    done = book.import_hall()
    if done.read:
        print(f"hallgw: login codes of {len(done.read)} staff member(s) read from {hall_file} into the store "
              "(hashed); remove login_code from the hall file now", flush=True)
    if done.ignored:
        log.warning("%s still carries login_code for %s: the store's codes stand (set a new one with "
                    "`hallgw staff code`); remove them from the file", hall_file, ", ".join(done.ignored))
    if done.clashing:
        log.warning("%s: the login_code of %s is another staff member's code in the store: not read in",
                    hall_file, ", ".join(done.clashing))
    if done.without:
        print(f"hallgw: no login code for {', '.join(done.without)}: they cannot log in until "
              "`hallgw staff code` sets one", file=sys.stderr, flush=True)
