"""hall-hil day --upstream: the emulated provincial platform beside the hall, its
faults through the day, and at the end the comparison of every stored rating with
what the platform holds: each exactly once (accepted once in its request log), every
field as the hall file says, levels mapped the right way round."""
from __future__ import annotations

import json
import sqlite3
import statistics
import threading
import time
from collections import Counter
from pathlib import Path

from gateway.config import load_file
from gateway.upstream import record as rd
from gateway.upstream.destination import tag_of
from hil.day.check import events
from hil.province.control import Province
from hil.province.hall_file import write_hall_file
from hil.province.platform import EVAL_PATH

SECRET = "hall-day-upstream-secret"
# (fraction of the day, fault): a burst of 5xx, answers slower than the gateway waits,
# links cut after the platform stored the record, all tokens expired, slow answers,
# and an hour offline.
FAULTS = ((0.10, {"fault": "5xx", "count": 15}),
          (0.20, {"fault": "timeout", "count": 3, "seconds": 3.0}),
          (0.30, {"fault": "cut_after_accept", "count": 5}),
          (0.40, {"fault": "expire_tokens"}),
          (0.50, {"fault": "slow", "count": 10, "seconds": 0.5}),
          (0.60, {"fault": "offline"}),
          (0.60 + 1 / 8, {"fault": "online"}),
          (0.80, {"fault": "expire_tokens"}),
          (0.85, {"fault": "cut_after_accept", "count": 3}))
DRAIN_SECONDS = 120.0


class UpstreamDay:
    def __init__(self, config: Path, workdir: Path, hall_id: str, sm4: bool = False):
        self.province = Province(workdir / "province", hall_id, SECRET, sm4=sm4)
        self.src, self.workdir = Path(config), workdir
        self.config: Path | None = None
        self.faults_done: list[str] = []

    def start(self) -> Path:
        self.province.start()
        self.config = write_hall_file(self.src, self.workdir / "hall-upstream.toml", self.province)
        return self.config

    def fault_line(self, day) -> None:
        for frac, fault in FAULTS:
            day.wait_until_sim(frac * day.plan.hours * 3600)
            if day.stopping.is_set():
                return
            try:
                self.province.control(**fault)
                self.faults_done.append(fault["fault"])
                print(f"hall-hil day: {day.sim_elapsed() / 3600 + 9:05.2f}h platform fault: {fault}", flush=True)
            except Exception as e:  # the platform is the emulator: say so, do not stop the day
                print(f"hall-hil day: platform fault {fault} not carried out: {e}", flush=True)
        day.stopping.wait(0)

    def drain(self, gateway, expected: int) -> dict:
        """Wait until the gateway has nothing pending for the platform and the platform
        holds every rating (or DRAIN_SECONDS pass)."""
        self.province.control(fault="online")
        token = (gateway.data_dir / "supervisor_token").read_text().strip()
        end = time.monotonic() + DRAIN_SECONDS
        st: dict = {}
        while time.monotonic() < end:
            try:
                st = _get(gateway, "/api/v1/upstream", token)["destinations"][0]
                if st["pending"] == 0 and self.province.state()["accepted"]["hcp-json"] >= expected:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        return st

    def check(self, db: Path, config: Path, recs: list[dict], gateway) -> tuple[list[str], str]:
        hall = load_file(config)
        tag = tag_of(db)
        stored = {rd.eval_id(hall.id, tag, e["prompt"]): e for _, e in events(recs) if e["type"] == "rating_recorded"}
        st = self.drain(gateway, len(stored))
        bad = []
        got = {row["record"]["eval_id"]: row for row in self.province.records()}
        # Once, counted from what the platform received (its request log, every attempt): its
        # records table keys eval_id and could never hold a rating twice.
        accepted = Counter(a["key"] for a in self.province.attempts()
                           if a["path"] == EVAL_PATH and a["answer"] in ("200/0", "cut"))
        bad += [f"platform accepted {eid} {n} times" for eid, n in accepted.items() if n > 1]
        for eid, ev in stored.items():
            row = got.get(eid)
            if row is None:
                bad.append(f"rating {eid} ({ev['number']} at window {ev['window']}) never reached the platform")
                continue
            want = rd.rating(hall, ev, tag)
            have = row["record"]
            diff = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
            if diff:
                bad.append(f"rating {eid} differs on the platform (platform, hall): {diff}")
            # independent of the map: the platform counts 5 as 非常满意
            if have.get("level") != ev["level"]:
                bad.append(f"rating {eid}: level {ev['level']} arrived as {have.get('level')} (wrong way round)")
        extra = sorted(set(got) - set(stored))
        if extra:
            bad.append(f"platform holds {len(extra)} rating(s) the hall never stored, e.g. {extra[0]}")
        conflicts = self.province.conflicts()
        if conflicts:
            bad.append(f"{len(conflicts)} duplicate(s) differed from the first copy, e.g. {conflicts[0]}")
        if st.get("dead_letter"):
            bad.append(f"{st['dead_letter']} record(s) in dead letter: {st.get('last_error')}")
        pst = self.province.state()
        delays = _delays(db)
        retries = _retries(db)
        p50 = statistics.median(delays) if delays else float("nan")
        p99 = sorted(delays)[min(len(delays) - 1, int(0.99 * len(delays)))] if delays else float("nan")
        summary = (f"upstream: ratings={len(stored)} delivered={sum(1 for e in stored if e in got)} "
                   f"duplicates_answered={pst.get('duplicates_answered')} retries={retries} "
                   f"platform_faults={len(self.faults_done)} commit_to_accept_p50_ms={p50 * 1000:.0f} "
                   f"p99_ms={p99 * 1000:.0f} max_ms={max(delays, default=0) * 1000:.0f}")
        return bad, summary

    def close(self) -> None:
        self.province.stop()


def _get(gateway, path: str, token: str):
    import urllib.request
    req = urllib.request.Request(gateway.url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def _delays(db: Path) -> list[float]:
    """Seconds from the outbox first seeing each committed rating to the platform's acceptance."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [d for (d,) in conn.execute("SELECT delivered_at - seen_at FROM outbox_items WHERE dest = "
                                           "'province' AND kind = 'rating' AND state = 'delivered'")]
    finally:
        conn.close()


def _retries(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COALESCE(SUM(attempts - 1), 0) FROM outbox_items WHERE dest = 'province' "
                            "AND state = 'delivered'").fetchone()[0]
    finally:
        conn.close()


def fault_thread(up: UpstreamDay, day) -> threading.Thread:
    return threading.Thread(target=up.fault_line, args=(day,), daemon=True, name="platform-faults")
