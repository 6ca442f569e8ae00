"""hall-bench: one command for every benchmark; each names itself, takes --help, and ends with
its figures as key=value on its last line (the runs are in this folder's other tests)."""
import re
import subprocess
import sys

import pytest

from bench.cli import BENCHES, main, module


def test_list_names_every_benchmark_with_what_it_measures(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in out] == list(BENCHES)
    assert all(len(ln.split(None, 1)[1]) > 20 for ln in out), out


@pytest.mark.parametrize("name", list(BENCHES))
def test_each_benchmark_takes_its_options(name):
    m = module(name)
    assert callable(m.arguments) and callable(m.run), name
    r = subprocess.run([sys.executable, "-m", "bench.cli", name, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith(f"usage: hall-bench {name}"), r.stdout + r.stderr


def test_an_unknown_benchmark_is_refused(capsys):
    assert main(["nope"]) == 2
    assert "hall-bench list" in capsys.readouterr().err


def figures(out: str) -> dict[str, str]:
    """The key=value pairs of a run's last line (and that it is one)."""
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(r"(\w+=\S+)( \w+=\S+)*", last), last
    return dict(kv.split("=", 1) for kv in last.split())


def test_the_engine_benchmark_ends_with_its_figures(capsys):
    assert main(["engine", "--config", "hall_config/village.toml", "--commands", "500", "--api-commands", "40"]) == 0
    got = figures(capsys.readouterr().out)
    assert set(got) >= {"engine_cmd_per_s", "runtime_p99_ms", "api_p99_ms"}
    assert float(got["engine_cmd_per_s"]) > 0
