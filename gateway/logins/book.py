"""The code book: each staff member's login code, hashed, in the store (hall.db,
table login_codes), so no code sits in clear in the store, its backups or the
command log (a login is logged with the staff id the code named, or as wrong).

A code is hashed as argon2id(HMAC-SHA256(login key, code)). The login key
(HALL_LOGIN_KEY, the systemd credential login_key, else data/login_key, 0600) is
not in hall.db: a copy of the store alone (a backup on a USB disk) gives nothing
to guess codes against. With the key as well, 4 to 8 digits cannot hold out
against offline guessing whatever the hash; the window lockout is what guards
codes online. Every code of a hall is hashed with one salt (login_hashing), so a
typed code is found by its hash with one argon2 computation: a pad or console
login costs one hash, not one per clerk. Codes are unique per hall anyway.

The hall file may carry codes ([[staff]] login_code) for the first start: a
member the store has no code for is read in then (import_hall at start, or on
that member's first login), after which the store's code stands and the file's
is ignored (remove it). `hallgw staff code` sets a new one.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2.low_level import Type, hash_secret

from gateway import disk, secretfile
from gateway.config.model import Hall

CODE = re.compile(r"\d{4,8}")
# One of OWASP's equal-strength argon2id settings (7 MiB, 5 passes, 1 lane; as strong as its
# 19 MiB and 2 passes): the village's Pi Zero has little memory and time to spare. About 20 ms
# here, a few times that on a Pi. A store keeps the settings its codes were hashed with.
TIME_COST, MEMORY_KIB, PARALLELISM, HASH_LEN = 5, 7168, 1, 32
FROM_HALL_FILE = "hall file"
REMOVED = "removed"  # a taken-away code's row: its digest is no argon2 output, so nothing matches it


class CodeProblem(ValueError):
    pass


@dataclass
class Imported:
    """What import_hall did, by staff id (never a code)."""
    read: list[str] = field(default_factory=list)          # read from the hall file now
    ignored: list[str] = field(default_factory=list)       # the store's code stands over the file's
    clashing: list[str] = field(default_factory=list)      # the file's code is another member's in the store
    without: list[str] = field(default_factory=list)       # no code anywhere: cannot log in


def load_key(data_dir: str | Path) -> bytes:
    return secretfile.load(data_dir, "HALL_LOGIN_KEY", "login_key")[0].encode()


class CodeBook:
    def __init__(self, db_path: str | Path, hall: Hall, key: Callable[[], bytes]):
        self.hall = hall
        self.staff = {s.id: s for s in hall.staff}
        self._key_of, self._key = key, b""  # read (or made) at the first code hashed
        self._conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._lock = threading.Lock()
        self._params: tuple | None = None

    @classmethod
    def of(cls, data_dir: str | Path, hall: Hall, db_name: str = "hall.db") -> CodeBook:
        return cls(Path(data_dir) / db_name, hall, lambda: load_key(data_dir))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- hashing ----------------------------------------------------------------------
    def _hashing(self) -> tuple:
        if self._params is None:
            with self._lock, disk.transaction(self._conn) as c:  # full disk: StoreFull, the cause kept
                row = c.execute("SELECT salt, time_cost, memory_kib, parallelism FROM login_hashing").fetchone()
                if row is None:
                    row = (secrets.token_bytes(16), TIME_COST, MEMORY_KIB, PARALLELISM)
                    c.execute("INSERT INTO login_hashing VALUES (1, ?, ?, ?, ?)", row)
            self._params = tuple(row)
        return self._params

    def digest(self, code: str) -> str:
        salt, t, m, p = self._hashing()
        if not self._key:
            self._key = self._key_of()
        keyed = hmac.new(self._key, code.encode(), hashlib.sha256).digest()
        return hash_secret(keyed, salt, t, m, p, HASH_LEN, Type.ID).decode()

    # -- reading -----------------------------------------------------------------------
    def resolve(self, code) -> str | None:
        """The id of the staff member whose code this is, or None."""
        if not isinstance(code, str) or not CODE.fullmatch(code):
            return None
        d = self.digest(code)
        with self._lock:
            row = self._conn.execute("SELECT staff FROM login_codes WHERE digest = ?", (d,)).fetchone()
        if row is not None:
            return row[0] if row[0] in self.staff else None
        # A member whose code is still only in the hall file: read in at this first login.
        for s in self.hall.staff:
            if s.login_code and hmac.compare_digest(s.login_code.encode(), code.encode()):
                return s.id if self._put(s.id, d, FROM_HALL_FILE, replace=False) else None
        return None

    def listing(self) -> dict[str, tuple[float, str]]:
        """staff id -> (set at, source) for every member the store has a row of (source
        REMOVED: the code was taken away)."""
        with self._lock:
            rows = self._conn.execute("SELECT staff, set_at, source FROM login_codes").fetchall()
        return {s: (at, src) for s, at, src in rows}

    # -- writing -----------------------------------------------------------------------
    def _put(self, staff: str, digest: str, source: str, replace: bool) -> bool:
        """Store a member's code hash; False when the member has one (and not replace) or
        the hash is another member's."""
        with self._lock, disk.transaction(self._conn) as c:
            other = c.execute("SELECT staff FROM login_codes WHERE digest = ?", (digest,)).fetchone()
            have = c.execute("SELECT 1 FROM login_codes WHERE staff = ?", (staff,)).fetchone()
            ok = (other is None or other[0] == staff) and (replace or have is None)
            if ok:
                c.execute("INSERT OR REPLACE INTO login_codes VALUES (?, ?, ?, ?)",
                          (staff, digest, time.time(), source))
        return ok

    def set(self, staff: str, code: str, source: str) -> None:
        """A new code for a member (rotation). CodeProblem says why not."""
        if staff not in self.staff:
            raise CodeProblem(f"no staff member {staff!r} in {self.hall.source}")
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise CodeProblem("a login code is 4 to 8 digits")
        if not self._put(staff, self.digest(code), source, replace=True):
            raise CodeProblem("another staff member has this code: choose another")

    def remove(self, staff: str) -> bool:
        """Take a member's code away. The row stays, marked, so the hall file's code is not
        read in again: only `set` gives the member a code after this."""
        if staff not in self.staff:
            raise CodeProblem(f"no staff member {staff!r} in {self.hall.source}")
        with self._lock:
            had = self._conn.execute("SELECT 1 FROM login_codes WHERE staff = ? AND source != ?",
                                     (staff, REMOVED)).fetchone()
            self._conn.execute("INSERT OR REPLACE INTO login_codes VALUES (?, ?, ?, ?)",
                               (staff, f"{REMOVED}:{staff}", time.time(), REMOVED))
        return had is not None

    def import_hall(self) -> Imported:
        """Read in the hall file's codes of members the store has none for (first start)."""
        out = Imported()
        stored = self.listing()
        for s in self.hall.staff:
            if s.id in stored:
                if s.login_code:
                    out.ignored.append(s.id)
            elif not s.login_code:
                out.without.append(s.id)
            elif self._put(s.id, self.digest(s.login_code), FROM_HALL_FILE, replace=False):
                out.read.append(s.id)
            else:
                out.clashing.append(s.id)
        return out
