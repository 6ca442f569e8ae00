"""The audit chain: each command record holds sha256(previous hash + canonical JSON of
the record), so altering or removing any record breaks the chain from there on."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

GENESIS = "0" * 64


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def chain(prev: str, record: str) -> str:
    return hashlib.sha256((prev + record).encode("utf-8")).hexdigest()


def verify(db_path: str | Path) -> tuple[bool, int, str]:
    """Walk the chain. Returns (ok, records checked, message naming the first bad record)."""
    p = Path(db_path)
    if not p.exists():
        return False, 0, "no store here"
    conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, isolation_level=None)
    try:
        # One read transaction: the records, the head and the snapshots as of one
        # commit, even while a running gateway appends (else a record committed
        # between the reads looks "missing").
        conn.execute("BEGIN")
        return _walk(conn)
    except sqlite3.DatabaseError as e:
        return False, 0, f"not a readable hall store ({e})"
    finally:
        conn.close()


def _walk(conn) -> tuple[bool, int, str]:
    prev, expected, n = GENESIS, 1, 0
    for seq, record, stored_prev, digest in conn.execute(
            "SELECT seq, record, prev, hash FROM commands ORDER BY seq"):
        if seq != expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            return False, n, f"record {missing} is missing (next present is {seq})"
        try:
            inner = json.loads(record).get("seq")
        except ValueError:
            inner = None
        if inner != seq or stored_prev != prev or chain(prev, record) != digest:
            return False, n, f"record {seq} was altered (its hash does not match its content and chain)"
        prev, expected, n = digest, seq + 1, n + 1
    # Cutting records off the end leaves a valid shorter chain: the head row and the
    # snapshots remember how far the log went.
    head = conn.execute("SELECT value FROM meta WHERE key = 'head'").fetchone()
    if head:
        head_seq, head_hash = head[0].split(":")
        if int(head_seq) >= expected:
            return False, n, f"record {expected} is missing (the log went up to {head_seq})"
        if int(head_seq) == n and n and head_hash != prev:
            return False, n, f"record {n} was altered (it differs from the recorded head)"
    snap = conn.execute("SELECT MAX(seq) FROM snapshots").fetchone()[0]
    if snap is not None and snap >= expected:
        return False, n, f"record {expected} is missing (a snapshot was taken after record {snap})"
    return True, n, f"ok: {n} records, chain intact"
