"""Benchmarks live in bench/ alone: no module of gateway/ or firmware/ is named as a benchmark,
and none imports bench (production code never carries, nor reaches, a benchmark)."""
import ast

from tests.support import ROOT


def imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def offenders(root) -> list[str]:
    bad = []
    for top in ("gateway", "firmware"):
        for p in sorted((root / top).rglob("*.py")):
            rel = p.relative_to(root).as_posix()
            if "bench" in p.stem:
                bad.append(f"{rel}: a benchmark in production code")
            bad += [f"{rel}: imports {m}" for m in imports(p) if m == "bench" or m.startswith("bench.")]
    return bad


def test_no_benchmark_in_production_code():
    assert offenders(ROOT) == []


def test_the_check_finds_a_planted_benchmark(tmp_path):
    (tmp_path / "gateway" / "audio").mkdir(parents=True)
    (tmp_path / "firmware").mkdir()
    (tmp_path / "gateway" / "audio" / "bench.py").write_text("x = 1\n")
    (tmp_path / "firmware" / "main.py").write_text("from bench.report import last_line\n")
    assert offenders(tmp_path) == ["gateway/audio/bench.py: a benchmark in production code",
                                   "firmware/main.py: imports bench.report"]
