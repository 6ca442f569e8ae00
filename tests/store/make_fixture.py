"""Write a store as this release writes it, for tests/store/test_upgrade.py: a village morning
(logins, tickets, calls, services, ratings, a 差评, a pause) with a snapshot part way and
records after it, left as a power cut leaves it (no closing snapshot).

When the store schema changes, first keep the store of the release before it:
    git archive <last release> | tar -x -C /tmp/prev
    PYTHONPATH=/tmp/prev python tests/store/make_fixture.py tests/store/fixtures/store-<release>.db
"""
import sys
from pathlib import Path

from gateway.config import load_file
from gateway.runtime import Runtime
from tests.support import ROOT

START = 1795395600.0  # Monday 2026-11-23 09:00 in Asia/Shanghai


def make(out: Path) -> None:
    data = out.parent / (out.stem + ".d")
    rt = Runtime(load_file(ROOT / "hall_config" / "village.toml"), data, snapshot_every=25)
    now = [START]

    def do(type, **kw):
        now[0] += 37
        got = rt.submit({"type": type, "at": now[0], **kw})
        assert got.ok, (type, got.refusal)
        return got

    do("login", window=1, staff_code="2001")
    do("login", window=2, staff_code="2002")
    for i in range(9):
        do("issue_ticket", service="ZH" if i % 3 else "ZX", lane="green" if i == 4 else "normal",
           matter="330681-CZ-001" if i % 3 else "330681-CZ-009")
    for i in range(8):
        w = 1 + i % 2
        do("call_next", window=w)
        do("start", window=w)
        do("finish", window=w, case_type="immediate")
        prompt = do("request_evaluation", window=w).result["prompt"]
        level = 1 if i == 5 else 5 - i % 3
        do("rate", window=w, prompt=prompt, level=level, reasons=["02"] if level < 3 else [],
           origin={"dev": f"s{w}-eval", "boot": "fixture", "seq": i + 1})
    do("pause", window=2, reason="入户走访", until="11:00")
    rt.store.close()  # a power cut: the records after the last snapshot are replayed on open
    db = data / "hall.db"
    db.replace(out)
    for extra in data.iterdir():
        extra.unlink()
    data.rmdir()


if __name__ == "__main__":
    make(Path(sys.argv[1]))
