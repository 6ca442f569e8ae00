"""A bounded fuzz of the hall file loader: the example halls mutated (lines deleted,
doubled, swapped; values replaced by other TOML values; bytes flipped) and random
documents of any shape. Whatever the input, the loader answers with the hall or with
problems, each line `FILE: key path: message` (or `FILE: message` for the file as a
whole): never a traceback, never another exception."""
import re
import subprocess
import sys
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.config import ConfigError, load_text
from gateway.config.validate import build
from gateway.devices.fit import problems
from tests.support import ROOT

SOURCE = "hall.toml"
EXAMPLES = {name: (ROOT / "hall_config" / f"{name}.toml").read_text(encoding="utf-8")
            for name in ("county", "township", "village")}
KEY = r'([A-Za-z0-9_-]+|"([^"\\]|\\.)*")(\[\d+\])*'  # bare, or quoted as TOML would
KEY_PATH = rf"{KEY}(\.{KEY})*"
LINE = re.compile(rf"{re.escape(SOURCE)}: ({KEY_PATH}: )?\S.*")
FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

toml_values = st.one_of(
    st.integers(-2**63, 2**63 - 1).map(str), st.floats(allow_nan=True).map(lambda f: repr(f).replace("inf", "inf")),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=40).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"')
                             .replace("\n", "\\n").replace("\r", "\\r") + '"'),
    st.sampled_from(["[]", "{}", "[1, 2]", '["a", 1]', "{ a = 1 }", "2026-13-45", "1979-05-27T07:32:00Z",
                     "07:32:00", '"25:00"', '"A"', '""', '"中"', "0x10", "nan", "-inf", '"\\u0000"']),
)


def outcome(text: str):
    """The loader's answer: the hall, or its problem lines (each checked for shape)."""
    try:
        hall = load_text(text, SOURCE)
    except ConfigError as e:
        lines = e.lines()
        assert lines, "a ConfigError with no problem"
        for line in lines:
            assert LINE.fullmatch(line), line
        return None
    problems(hall)  # the devices' check (gateway/devices/fit.py) takes any valid hall too
    return hall


@st.composite
def mutated(draw):
    lines = EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "double", "swap", "value", "key", "garble"]))
        if kind == "delete":
            del lines[i]
        elif kind == "double":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "value" and "=" in lines[i]:
            lines[i] = lines[i].split("=", 1)[0] + "= " + draw(toml_values)
        elif kind == "key" and "=" in lines[i]:
            lines[i] = draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True)) + " =" + lines[i].split("=", 1)[1]
        elif kind == "garble":
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(st.text(max_size=3)) + lines[i][pos + 1:]
    return "\n".join(lines) + "\n"


@FUZZ
@given(mutated())
def test_a_mutated_hall_file_gets_problems_with_key_paths_or_loads(text):
    outcome(text)


@FUZZ
@given(st.text(max_size=400))
def test_any_text_gets_problems_or_loads(text):
    outcome(text)


json_like = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                     max_size=4), max_leaves=20)


@st.composite
def reshaped(draw):
    """A parsed example hall with values anywhere replaced by values of any type."""
    doc = tomllib.loads(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(1, 5))):
        node, path = doc, []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            if not isinstance(node[key], dict | list):
                break
            node, path = node[key], path + [key]
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if draw(st.booleans()):
                node[key] = draw(json_like)
            else:
                del node[key]
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(json_like)
    return doc


@FUZZ
@given(reshaped())
def test_values_of_any_type_anywhere_get_problems_with_key_paths(doc):
    hall, errors = build(doc, SOURCE)
    assert (hall is None) == bool(errors)
    for path, message in errors:
        assert (path == "" or re.fullmatch(KEY_PATH, path)) and message.strip(), (path, message)
    if hall is not None:
        problems(hall)


def test_hallgw_config_check_prints_problems_never_a_traceback(tmp_path):
    cases = {"binary.toml": b"\xff\xfe\x00garbage", "empty.toml": b"",
             "table_for_value.toml": EXAMPLES["village"].replace('tier = "village"', "tier = { a = 1 }").encode(),
             "list_for_table.toml": EXAMPLES["village"].replace("[queue]", "queue = [1]\n[queue_x]").encode(),
             "huge_int.toml": EXAMPLES["village"].replace("recall_limit = ", "recall_limit = 9" * 18 + " #").encode()}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    out = subprocess.run([sys.executable, "-m", "gateway.cli", "config", "check", *sorted(cases)],
                         cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    for line in out.stderr.splitlines():
        name = line.split(":", 1)[0]
        assert name in cases, line
        assert re.fullmatch(rf"{re.escape(name)}: ({KEY_PATH}: )?\S.*", line), line
