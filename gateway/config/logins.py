"""[logins] of the hall file: how wrong login codes lock a window's login.

```toml
[logins]
wrong_in_a_row = 5          # wrong codes in a row at one window before its login locks
lock_seconds = 60           # the first lock; each further wrong code doubles it ...
lock_max_seconds = 3600     # ... up to this
```
A login at the window (once a lock has run out) clears the count; so does a
new service day, for a window not locked at that moment. Staff login codes
themselves are [[staff]] login_code, read into the store once (gateway/logins).
"""
from __future__ import annotations

from dataclasses import dataclass

KEYS = ("wrong_in_a_row", "lock_seconds", "lock_max_seconds")


@dataclass(frozen=True)
class Logins:
    wrong_in_a_row: int = 5
    lock_seconds: int = 60
    lock_max_seconds: int = 3600


def read_logins(r, doc: dict) -> Logins:
    t = r.table(doc, "logins", "")
    if not t:
        return Logins()
    r.unknown(t, "logins", KEYS)
    d = Logins()
    first = r.integer(t, "lock_seconds", "logins", default=d.lock_seconds, lo=1, hi=86400)
    most = r.integer(t, "lock_max_seconds", "logins", default=d.lock_max_seconds, lo=1, hi=7 * 86400)
    if isinstance(first, int) and isinstance(most, int) and most < first:
        r.error("logins.lock_max_seconds", f"{most} is shorter than lock_seconds ({first})")
    return Logins(wrong_in_a_row=r.integer(t, "wrong_in_a_row", "logins", default=d.wrong_in_a_row, lo=1, hi=20),
                  lock_seconds=first, lock_max_seconds=most)
