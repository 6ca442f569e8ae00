"""The store's schema version and its upgrades (SQLite's PRAGMA user_version).

A store written by an earlier release opens in this one: CommandLog runs every upgrade
from the store's version up to VERSION, each in its own transaction, before anything
else touches the file. A store from a newer release is refused (its meaning would be
guessed). Version 0 is a store made before versions were kept; its tables are those of
version 1. To change the schema: add a step to UPGRADES (never edit an old one), bump
VERSION, and keep tests/store/test_upgrade.py's fixture stores opening.

  1  commands (hash-chained), origins, snapshots, meta; append-only triggers
  2  backups: each online backup made (when, file, up to which record, size, seconds taken)
  3  login_codes: each staff member's login code, hashed (gateway/logins/book.py), and how
     they are hashed (login_hashing)
  4  request_keys: the Idempotency-Key of each request that changed the hall today, written with
     its command (command: its seq; NULL for a refusal), and the answer it got (gateway/api/once.py)
"""
from __future__ import annotations

import sqlite3

from gateway import disk

VERSION = 4


class NewerStore(ValueError):
    pass


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS backups (at REAL PRIMARY KEY, file TEXT NOT NULL, seq INTEGER NOT NULL, "
                 "bytes INTEGER NOT NULL, seconds REAL NOT NULL)")


def _v3(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS login_codes (staff TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
                 "set_at REAL NOT NULL, source TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS login_hashing (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "salt BLOB NOT NULL, time_cost INTEGER NOT NULL, memory_kib INTEGER NOT NULL, "
                 "parallelism INTEGER NOT NULL)")


def _v4(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS request_keys (key TEXT PRIMARY KEY, day TEXT NOT NULL, "
                 "fingerprint TEXT NOT NULL, command INTEGER, status INTEGER, answer BLOB)")
    conn.execute("CREATE INDEX IF NOT EXISTS request_keys_day ON request_keys (day)")


UPGRADES = {2: _v2, 3: _v3, 4: _v4}  # version reached -> step from the version before


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def upgrade(conn: sqlite3.Connection, path) -> list[int]:
    """Bring the store up to VERSION; the versions stepped through (empty when current)."""
    have = max(1, version(conn))
    if have > VERSION:
        raise NewerStore(f"{path} was written by a newer release (store schema {have}; this release knows up to "
                         f"{VERSION}): install that release or restore a backup made by this one")
    done = []
    for v in range(have + 1, VERSION + 1):
        with disk.transaction(conn):
            UPGRADES[v](conn)
            conn.execute(f"PRAGMA user_version = {v}")
        done.append(v)
    return done
