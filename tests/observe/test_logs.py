"""The gateway's log bounded (gateway/observe/logs.py): a kind of record repeating past its burst
is written once an interval, then a line counts the rest; a log file rotates at its size and
takes everything the process prints, down to descriptor 2."""
import logging
import subprocess
import sys
import textwrap

from gateway.observe.logs import RepeatFilter
from tests.support import ROOT


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")


def rig(every=10.0, burst=3):
    clock = Clock()
    out = Lines()
    f = RepeatFilter(every, burst, clock).attach(out)
    log = logging.getLogger(f"test.repeats.{id(f)}")
    log.propagate = False
    log.addHandler(out)
    log.setLevel(logging.INFO)
    return clock, out, f, log


def counted(lines: list[str]) -> list[int]:
    return [int(ln.split("suppressed ")[1].split()[0]) for ln in lines if " suppressed " in ln]


def test_a_flood_of_one_kind_is_a_burst_then_a_line_an_interval_and_the_counts():
    clock, out, f, log = rig()
    for i in range(1000):  # 1000 at once: the burst, then nothing
        log.warning("socket.accept() out of system resource\nsocket: %s", i)
    assert len(out.lines) == 3 and f.suppressed == 997
    clock.t += 9.9
    f.flush()
    assert len(out.lines) == 3  # the interval is not over: no count yet
    clock.t += 0.1
    f.flush()
    assert out.lines[-1].endswith("suppressed 997 more like this in the last 10 s (the last: socket.accept() out "
                                  "of system resource)"), out.lines[-1]
    # Flooding on for 30 s, 100 a second: one record written an interval, the rest counted.
    for _ in range(3000):
        clock.t += 0.01
        log.warning("socket.accept() out of system resource\nsocket: %s", 1)
        f.flush()
    f.close()
    written = [ln for ln in out.lines if " suppressed " not in ln]
    assert len(written) == 3 + 3
    assert sum(counted(out.lines)) == f.suppressed == 997 + 2997
    assert len(counted(out.lines)) <= 1 + 3 + 1  # a count line an interval, and the last at the end


def test_kinds_are_counted_apart_and_a_quiet_hall_loses_nothing():
    clock, out, f, log = rig(burst=10)
    for i in range(9):  # a busy morning: nine refusals of one kind, each written
        clock.t += 1
        log.info("%s from %s refused: %s", "call_next", f"w{i}-pad", "nobody is waiting")
    for i in range(12):
        log.info("login from %s refused: %s", f"s{i}-pad", "unknown staff code")
    assert f.suppressed == 2 and len(out.lines) == 9 + 10
    assert sum("call_next" in ln for ln in out.lines) == 9
    clock.t += 100  # a token each 10 s: the whole burst again
    f.flush()
    assert out.lines[-1].endswith("suppressed 2 more like this in the last 100 s (the last: login from s11-pad "
                                  "refused: unknown staff code)"), out.lines[-1]
    for i in range(10):
        log.info("login from %s refused: %s", f"s{i}-pad", "unknown staff code")
    assert f.suppressed == 2 and len(out.lines) == 9 + 10 + 1 + 10


def test_the_counts_left_are_written_at_the_end():
    clock, out, f, log = rig(burst=1)
    log.error("broker link lost")
    log.error("broker link lost")
    f.close()
    assert out.lines == [f"{log.name} ERROR broker link lost",
                         f"{log.name} ERROR suppressed 1 more like this in the last 0 s (the last: broker link lost)"]


SCRIPT = textwrap.dedent("""
    import logging, os, sys
    from pathlib import Path
    from gateway.observe.logs import configure
    path = Path(sys.argv[1])
    repeats = configure(path, max_bytes=20_000, keep=2, every=3600)
    print("hallgw: started", flush=True)
    for i in range(5000):
        logging.getLogger("asyncio").error("socket.accept() out of system resource")
    for i in range(800):  # each its own kind (built before logging): every one written
        logging.getLogger("hallgw.kiosk").info(f"ticket {i} on screen only: printer none " + "x" * 80)
    os.write(2, b"from C: written to descriptor 2\\n")
    raise SystemExit(repeats.close() or 0)
""")


def test_a_log_file_rotates_at_its_size_and_takes_all_the_process_prints(tmp_path):
    log = tmp_path / "gateway.log"
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(log)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == r.stderr == "", r.stdout + r.stderr  # all of it went to the file
    files = sorted(tmp_path.iterdir())
    assert [p.name for p in files] == ["gateway.log", "gateway.log.1", "gateway.log.2"]
    assert all(p.stat().st_size <= 20_000 for p in files)
    text = "".join(p.read_text() for p in reversed(files))
    assert "hallgw: started" not in text and "ticket 0 " not in text  # the oldest rotated away: the cap holds
    assert "suppressed 4990 more like this" in text  # written at the end, with the count of the flood
    assert "ticket 799 on screen only" in text and "from C: written to descriptor 2" in text
