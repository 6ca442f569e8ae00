"""How long an online backup of a month of the hall's store takes, how big it is, and its check and restore.

    hall-bench backup [--config FILE] [--days N] [--per-window N] [--workdir DIR]

Writes the month first: every working day every window's A post logs in, and citizens
(--per-window a day) take a ticket by matter, are called, served, finished and rated, as the
runtime commits them (the store on /dev/shm while it is written, so making the month is quick;
then moved to --workdir, on the disk the gateway would use). Then times the backup (SQLite's
backup API, gateway/backup/copy.py), the audit chain check `hallgw restore` does first, and the
restore, each once, and prints the figures."""
from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
import time
import zoneinfo
from pathlib import Path

from bench.report import last_line
from gateway.backup import copy
from gateway.backup.restore import restore
from gateway.config import load_file
from gateway.runtime import Runtime
from gateway.store import verify

LEVELS = (5, 5, 5, 5, 4, 4, 4, 3, 2, 1)


def month(hall, data: Path, days: int, per_window: int, seed: int = 7) -> tuple[int, int]:
    """Commits `days` working days of the hall into data/hall.db; (days, commands)."""
    rng = random.Random(seed)
    tz = zoneinfo.ZoneInfo(hall.timezone)
    rt = Runtime(hall, data)
    staff = {s.id: s for s in hall.staff}
    day, done = dt.date(2026, 11, 2), 0  # a Monday
    try:
        while done < days:
            if day.weekday() < 5:
                t = dt.datetime.combine(day, dt.time(9, 0), tz).timestamp()
                if not _serve_day(rt, hall, staff, t, per_window, rng):
                    break
                done += 1
            day += dt.timedelta(days=1)
        return done, rt.store.seq
    finally:
        rt.close()


def _serve_day(rt, hall, staff, t: float, per_window: int, rng) -> bool:
    start = t
    def do(cmd: dict):
        nonlocal t
        t += rng.uniform(1, 10)  # 23 windows' keys interleaved: a few seconds apart in the hall
        return rt.submit({**cmd, "at": t})

    windows = [w for w in hall.windows if w.post_a in staff]
    for w in windows:
        do({"type": "login", "window": w.number, "staff_code": staff[w.post_a].login_code})
    for _ in range(per_window):
        for w in windows:
            svc = hall.service(rng.choice(w.services))
            cmd = {"type": "issue_ticket", "service": svc.code}
            if svc.matters:
                cmd["matter"] = rng.choice(svc.matters).code
            if not do(cmd).ok:  # closed (the lunch hour where there is one): on after it
                t += 1800
                if not do(cmd).ok:
                    continue
            if not do({"type": "call_next", "window": w.number}).ok:
                continue
            do({"type": "start", "window": w.number})
            do({"type": "finish", "window": w.number, "case_type": "immediate"})
            out = do({"type": "request_evaluation", "window": w.number})
            if out.ok and rng.random() < 0.8:
                level = rng.choice(LEVELS)
                reasons = [hall.evaluation.reasons[0].code] if level < 3 else []
                do({"type": "rate", "window": w.number, "prompt": out.result["prompt"], "level": level,
                    "reasons": reasons})
        rt.submit({"type": "tick", "at": t})
    for w in windows:
        do({"type": "logout", "window": w.number})
    return t > start


def arguments(ap) -> None:
    ap.add_argument("--config", default="hall_config/county.toml", metavar="FILE")
    ap.add_argument("--days", type=int, default=22, help="working days of the hall (22: a month)")
    ap.add_argument("--per-window", type=int, default=30, help="citizens a window serves a day (30: the rule's cap)")
    ap.add_argument("--workdir", metavar="DIR", help="where the store and the backup go (default: a temp dir)")


def run(args) -> int:
    hall = load_file(args.config)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="hall-backup-bench-"))
    shm = Path(tempfile.mkdtemp(prefix="hall-backup-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        t0 = time.perf_counter()
        days, commands = month(hall, shm, args.days, args.per_window)
        made_in = time.perf_counter() - t0
        store = work / "store"
        store.mkdir(parents=True, exist_ok=True)
        shutil.move(str(shm / "hall.db"), store / "hall.db")
    finally:
        shutil.rmtree(shm, ignore_errors=True)
    size = (store / "hall.db").stat().st_size
    print(f"backup: {hall.name} ({hall.id}), {days} working days, {commands} commands, store "
          f"{size / 2**20:.1f} MB (written in {made_in:.0f} s)", flush=True)
    made = copy.make(store / "hall.db", work / "backups", hall.id)
    t0 = time.perf_counter()
    ok, n, msg = verify(made.path)
    checked = time.perf_counter() - t0
    t0 = time.perf_counter()
    restore(made.path, work / "restored", hall.id)
    restored = time.perf_counter() - t0
    print(f"backup: backup {made.bytes / 2**20:.1f} MB in {made.seconds:.2f} s; audit chain check "
          f"{checked:.2f} s ({n} records, {'ok' if ok else msg}); restore (check, copy, check) {restored:.2f} s",
          flush=True)
    last_line(commands=commands, store_mb=round(size / 2**20, 1), backup_s=round(made.seconds, 2),
              audit_s=round(checked, 2), restore_s=round(restored, 2), chain_ok=ok)
    return 0 if ok else 1
