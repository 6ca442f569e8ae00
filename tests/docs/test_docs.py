"""README.md and docs/ cannot go stale: the README stays a newcomer's page (at most 200 lines,
`make run` and `make test`, a line for every top-level folder and every gateway package), every
relative link in README.md and docs/*.md points at a file that exists (and its #anchor at a heading
there), every command they name (`hallgw SUB …`, `hallctl SUB`, `hall-hil SUB`, `hall-bench NAME`,
`python -m MODULE`) is a real one, read from the commands' own parsers, help and table, and every
benchmark has its section in docs/BENCHMARKS.md with the date its figures were measured."""
import argparse
import contextlib
import importlib.util
import io
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
PROGRAMS = ("hallgw", "hallctl", "hall-hil", "hall-bench")


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def code_of(md: str) -> list[str]:
    """What the page shows as code: fenced blocks and `inline spans`."""
    blocks = FENCE.findall(md)
    return blocks + re.findall(r"`([^`\n]+)`", FENCE.sub("", md))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (CJK letters stay), spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for m in re.finditer(r"^#{1,6} (.+)$", FENCE.sub("", text(page)), re.M):
        s = slug(m[1])
        out.add(s if s not in seen else f"{s}-{seen[s]}")
        seen[s] = seen.get(s, 0) + 1
    return out


# -- the commands as they are -------------------------------------------------------------------

Tree = dict  # a command's subcommands: name -> Tree ({} for a command that takes no subcommand)


def argparse_tree(p: argparse.ArgumentParser) -> Tree:
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            return {name: argparse_tree(sub) for name, sub in a.choices.items()}
    return {}


def help_choices(main) -> list[str]:
    """The subcommands a program's --help lists in its usage line ({a,b,c})."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["--help"])
    m = re.search(r"usage: \S+ \[-h\] \{([\w,-]+)\}", out.getvalue())
    assert m, out.getvalue()
    return m[1].split(",")


@pytest.fixture(scope="module")
def commands() -> dict[str, Tree]:
    from bench.cli import BENCHES
    from gateway.cli import parser as hallgw
    from gateway.provision.cli import parser as hallctl
    from hil.cli import main as hall_hil

    return {"hallgw": argparse_tree(hallgw()), "hallctl": argparse_tree(hallctl()),
            "hall-hil": {name: {} for name in help_choices(hall_hil)},
            "hall-bench": {name: {} for name in [*BENCHES, "list"]}}


def named_commands(md: str) -> list[list[str]]:
    """Each command a page names in its code: the program and the lower-case words after it
    (up to the first option, placeholder or punctuation)."""
    found = []
    for code in code_of(md):
        for m in re.finditer(rf"(?<![\w-])({'|'.join(PROGRAMS)})(?![\w-])((?: +[a-z][a-z0-9-]*)*)", code):
            found.append([m[1], *m[2].split()])
    return found


def unknown(words: list[str], tree: Tree) -> str | None:
    """Why the words are not a command of the tree (None when they are; words past a command
    that takes no subcommand are its arguments)."""
    level = tree
    for i, w in enumerate(words[1:], 1):
        if not level:
            return None
        if w not in level:
            return f"`{' '.join(words[:i + 1])}`: {' '.join(words[:i])} has {sorted(level)}"
        level = level[w]
    return None


# -- the tests ----------------------------------------------------------------------------------

def test_readme_is_a_newcomers_page():
    md = text(README)
    assert len(md.splitlines()) <= 200, f"README.md has {len(md.splitlines())} lines: move detail to docs/"
    shown = "\n".join(FENCE.findall(md))
    for cmd in ("make run", "make test"):
        assert re.search(rf"^{cmd}\b", shown, re.M), f"README.md shows no `{cmd}` to type"
    assert re.search(r"^```mermaid|^```\n[^`]*-->|^```\n[^`]*--->?", md, re.M), "no picture of the parts"


def test_readme_layout_names_every_folder_and_gateway_package():
    md = text(README)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {p.split("/")[0] for p in tracked.splitlines() if "/" in p and not p.startswith(".")}
    assert {"gateway", "firmware", "protocols", "tests"} <= folders
    missing = [f for f in sorted(folders) if f"`{f}/`" not in md]
    packages = [p.name for p in sorted((ROOT / "gateway").iterdir()) if (p / "__init__.py").exists()]
    assert len(packages) > 10
    missing += [f"gateway/{p}/" for p in packages if f"`gateway/{p}/`" not in md]
    assert not missing, f"README.md's layout has no line for {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_points_at_what_exists(page):
    broken = []
    for target in LINK.findall(FENCE.sub("", text(page))):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not a file of the tree
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not broken, f"{page.name}: {broken}"


def test_the_checks_find_what_is_wrong(commands, tmp_path):
    """The readers above can fail: a stale command, a missing file or heading is found."""
    assert unknown(["hallgw", "bench", "engine"], commands["hallgw"])
    assert unknown(["hallgw", "voice", "bench"], commands["hallgw"])
    assert unknown(["hall-hil", "bench-tiers"], commands["hall-hil"])
    assert unknown(["hall-bench", "display"], commands["hall-bench"]) is None
    assert unknown(["hallgw", "upstream", "status"], commands["hallgw"]) is None
    assert named_commands("run `hallgw county run --config c.toml` then\n```\nsudo hall-hil day --x\n```") == [
        ["hall-hil", "day"], ["hallgw", "county", "run"]]
    page = tmp_path / "a.md"
    (tmp_path / "b.md").write_text("# B\n## The hall's words (大厅、用语)\n```\n# not a heading\n```\n")
    assert anchors(tmp_path / "b.md") == {"b", "the-halls-words-大厅用语"}
    page.write_text("[x](b.md#the-halls-words-大厅用语) [y](c.md) [z](b.md#not-a-heading)")
    with pytest.raises(AssertionError, match=r"c\.md: no such file.*no heading #not-a-heading"):
        test_every_relative_link_points_at_what_exists(page)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_named_is_a_real_one(page, commands):
    md = text(page)
    wrong = [why for words in named_commands(md) if (why := unknown(words, commands[words[0]]))]
    for module in sorted(set(re.findall(r"\bpython3? -m ([\w.]+)", "\n".join(code_of(md))))):
        spec = importlib.util.find_spec(module)
        runnable = spec and (spec.submodule_search_locations is None or importlib.util.find_spec(f"{module}.__main__"))
        if not runnable:
            wrong.append(f"`python -m {module}`: no such runnable module")
    assert not wrong, f"{page.name} names commands that do not exist: {wrong}"


def test_every_benchmark_has_its_section_with_dated_figures():
    from bench.cli import BENCHES

    md = FENCE.sub("", text(ROOT / "docs" / "BENCHMARKS.md"))
    sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", md, re.M | re.S))
    for name in BENCHES:
        assert name in sections, f"docs/BENCHMARKS.md has no section `## {name}`"
        assert f"`hall-bench {name}" in sections[name], f"## {name}: how to run it is not said"
        assert re.search(r"\b20\d\d-\d\d-\d\d\b", sections[name]), f"## {name}: figures without the date measured"
