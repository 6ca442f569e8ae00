"""A short tiered day through the real `hall-hil tiers --faults`: three sites in network
namespaces, their gateways, brokers and boards, the county's PostgreSQL; the broker
restarts, the long link cut, the power cut as the backlog goes up, the database restart;
at the end every record of every site is at the county exactly once."""
import re
import subprocess
import sys


def test_short_tiered_day_with_faults(tmp_path):
    p = subprocess.Popen([sys.executable, "-m", "hil.cli", "tiers", "--hours", "0.5", "--speed", "60", "--faults",
                          "--workdir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = p.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        p.terminate()  # SIGTERM: the run takes its namespaces and servers down (a kill would leave them)
        stdout, stderr = p.communicate(timeout=120)
    r = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    last = r.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"tiers ok: sites=3 records=(\d+) delivered=(\d+) duplicates_suppressed=(\d+) gaps=0 "
                     r"max_lag_s=([\d.]+) p50_lag_s=([\d.]+)", last)
    assert m, last
    records, delivered = int(m[1]), int(m[2])
    assert records == delivered > 0
    assert "7 tier faults carried out" in out
    for what in ("link village-township cut", "power cut while its backlog", "PostgreSQL restarted",
                 "the township's broker restarted", "the county's broker restarted"):
        assert what in out, what
    assert out.count("day ok:") == 3  # each site's own day (with its own faults) passed its checks
