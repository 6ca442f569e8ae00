"""Where the CPU went while `hall-bench display` measured: this process's descendants read from
/proc (utime + stime), grouped by what they are, as a share of one core."""
from __future__ import annotations

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _procs() -> dict[int, tuple[int, str, float]]:
    """pid -> (ppid, comm, cpu seconds)."""
    out = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            s = (p / "stat").read_text()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        f = s[s.rindex(")") + 2:].split()
        out[int(p.name)] = (int(f[1]), comm, (int(f[11]) + int(f[12])) / TICK)
    return out


def sample(gateway_pid: int) -> dict[str, float]:
    """CPU seconds so far: gateway, chromium, micropython (the emulated boards), bench (this
    process), other (the broker, the light devices and screens)."""
    procs = _procs()
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    me = os.getpid()
    out = {"gateway": 0.0, "chromium": 0.0, "micropython": 0.0, "bench": procs.get(me, (0, "", 0.0))[2],
           "other": 0.0}
    todo = list(kids.get(me, []))
    while todo:
        pid = todo.pop()
        todo += kids.get(pid, [])
        _, comm, cpu = procs[pid]
        if pid == gateway_pid:
            group = "gateway"
        elif comm.startswith("chrom"):
            group = "chromium"
        elif comm.startswith("micropython"):
            group = "micropython"
        else:
            group = "other"
        out[group] += cpu
    out["_t"] = time.monotonic()
    return out


def shares(a: dict[str, float], b: dict[str, float]) -> str:
    """'gateway 35%, chromium 60%, ...' between two samples (100% = one core)."""
    dt = max(1e-6, b["_t"] - a["_t"])
    return ", ".join(f"{k} {100 * (b[k] - a.get(k, 0.0)) / dt:.0f}%" for k in b if not k.startswith("_"))


def renice(comm_prefix: str, nice: int) -> int:
    """Lower the priority of this process's descendants whose name starts so; how many."""
    procs = _procs()
    mine, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        for c, (ppid, _, _) in procs.items():
            if ppid == pid and c not in mine:
                mine.add(c)
                todo.append(c)
    done = 0
    for pid in mine:
        if procs[pid][1].startswith(comm_prefix):
            try:
                os.setpriority(os.PRIO_PROCESS, pid, nice)
                done += 1
            except OSError:
                pass
    return done
