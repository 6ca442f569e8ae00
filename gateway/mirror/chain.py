"""A site's hash chain as the parent receives it: pure checks, no storage.

Each record of a hall's log holds hash = sha256(prev + record) and prev = the hash of
the record before (gateway/store/audit.py). The parent holds the site's records up to
`head` and checks every record that continues them; a record it already holds (sent
again after a lost ack, or asked for by the rolling audit) is compared with its copy.

Findings (reported, never silently fixed; a record that continues the chain is stored
even when a check fails, so the site's later records are not held hostage):
  altered  the record's content no longer matches its own hash
  chain    its prev is not the hash of the record before as we hold it: that one was
           altered, removed or rewritten at the site after it was sent
  differs  a record sent again is not the one we stored
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from gateway.store.audit import chain

Row = tuple[int, str, str, str]  # seq, record text, prev, hash


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    tag: str  # the hash of the site's first record: which store this is


@dataclass
class Verdict:
    new: list[tuple[int, str, str, str, bool]] = field(default_factory=list)  # rows to store, chain ok?
    duplicates: int = 0
    findings: list[tuple[int, str, str]] = field(default_factory=list)  # seq, kind, detail
    gap: bool = False  # the batch did not continue what we hold: the sender must go back
    head: int = 0


def self_consistent(seq: int, record: str, prev: str, digest: str) -> str | None:
    if chain(prev, record) != digest:
        return f"record {seq} was altered at the site: its content does not match its hash"
    try:
        inner = json.loads(record).get("seq")
    except (ValueError, AttributeError):
        inner = None
    if inner != seq:
        return f"record {seq} was altered at the site: it says it is record {inner}"
    return None


def check(head: Head | None, after: int, rows: list[Row], stored: dict[int, str]) -> Verdict:
    """What to do with one batch. `stored` maps the seqs of the batch we already hold to
    their stored hashes."""
    have = head.seq if head else 0
    last_hash = head.hash if head else None
    v = Verdict(head=have)
    if after > have:
        v.gap = True
        return v
    for seq, record, prev, digest in rows:
        bad = self_consistent(seq, record, prev, digest)
        if seq <= have:
            v.duplicates += 1
            if bad:
                v.findings.append((seq, "altered", bad))
            elif stored.get(seq) not in (None, digest):
                v.findings.append((seq, "differs", f"record {seq} as sent again differs from the copy stored "
                                                   "here: it was changed at the site after it was sent"))
            continue
        ok = bad is None
        if bad:
            v.findings.append((seq, "altered", bad))
        if seq == 1:
            if prev != "0" * 64:
                ok = False
                v.findings.append((seq, "chain", "record 1 does not start a chain"))
        elif last_hash is not None and prev != last_hash:
            ok = False
            v.findings.append((seq, "chain", f"record {seq} does not follow record {seq - 1} as stored here: "
                                             f"record {seq - 1} or earlier was altered, removed or rewritten "
                                             "at the site"))
        v.new.append((seq, record, prev, digest, ok))
        last_hash, have = digest, seq
    v.head = have
    return v
