"""The end of `hall-hil tiers`: every hall's log against the county's rows.

records   the records of the three halls' logs (hall.db, as each gateway committed them)
delivered those the county holds, the same seq with the same audit hash
gaps      seqs the county lacks below the highest it holds, or any it lacks at all
duplicates_suppressed  records sent again (after a lost ack, a restart, a go-back) and
          recognised as held, at the township and at the county
lag       commit at the site (its gateway's simulated clock mapped back to wall time) to the
          county's row (received_at); records of the long cut wait for the link, so the
          maximum says how long the outage held them, the median how fast the link is."""
from __future__ import annotations

import sqlite3
import statistics
import time

import psycopg

from hil.tiers.world import IDS, SITES


def last_line(log: str) -> str:
    lines = [ln for ln in log.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def hall_rows(world, site: str) -> list[tuple[int, str]]:
    db = world.day_dir(site) / "gateway" / "hall.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT seq, hash FROM commands ORDER BY seq").fetchall()
    finally:
        conn.close()


def held_at_township(world, site: str) -> int:
    db = world.day_dir("township") / "gateway" / "mirror.db"
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT head_seq FROM sites WHERE hall_id = ?", (site,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
    return row[0] if row else 0


def county_rows(world, site: str) -> list[tuple]:
    with psycopg.connect(world.pg.dsn, connect_timeout=5) as c:
        return c.execute("SELECT seq, hash, at, received_at FROM records WHERE hall_id = %s ORDER BY seq",
                         (IDS[site],)).fetchall()


def wait_drained(world, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if all([r[:2] for r in county_rows(world, s)] == [tuple(x) for x in hall_rows(world, s)]
                   for s in SITES):
                return True
        except psycopg.Error:
            pass
        time.sleep(1.0)
    return False


def compare(world, clocks: dict[str, tuple]) -> tuple[str, list[str]]:
    bad: list[str] = []
    records = delivered = gaps = 0
    lags: list[float] = []
    for s in SITES:
        mine = {seq: h for seq, h in hall_rows(world, s)}
        theirs = county_rows(world, s)
        have = {r[0]: r[1] for r in theirs}
        records += len(mine)
        delivered += sum(1 for seq, h in mine.items() if have.get(seq) == h)
        missing = [seq for seq in mine if seq not in have]
        gaps += len(missing)
        if missing:
            bad.append(f"{s}: {len(missing)} record(s) never reached the county (first {missing[0]})")
        wrong = [seq for seq, h in have.items() if seq in mine and mine[seq] != h]
        if wrong:
            bad.append(f"{s}: {len(wrong)} record(s) differ at the county (first {wrong[0]})")
        extra = [seq for seq in have if seq not in mine]
        if extra:
            bad.append(f"{s}: the county holds {len(extra)} record(s) the hall never logged")
        start, speed, real0 = clocks[s]
        for _seq, _h, at, received in theirs:
            if at is not None:
                lags.append(received - (real0 + (at - start) / speed))
    with psycopg.connect(world.pg.dsn) as c:
        findings = c.execute("SELECT hall_id, seq, kind, detail FROM findings").fetchall()
        dups = c.execute("SELECT COALESCE(SUM(duplicates), 0) FROM sites").fetchone()[0]
    for f in findings:
        bad.append(f"the county reports {f[0]} record {f[1]} ({f[2]}): {f[3]}")
    db = world.day_dir("township") / "gateway" / "mirror.db"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        dups += conn.execute("SELECT COALESCE(SUM(duplicates), 0) FROM sites").fetchone()[0]
    finally:
        conn.close()
    lag_max = max(lags) if lags else float("nan")
    lag_p50 = statistics.median(lags) if lags else float("nan")
    return (f"sites={len(SITES)} records={records} delivered={delivered} duplicates_suppressed={dups} gaps={gaps} "
            f"max_lag_s={lag_max:.1f} p50_lag_s={lag_p50:.3f}"), bad
