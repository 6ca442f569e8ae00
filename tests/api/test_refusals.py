"""Every refusal the engine (and the runtime and the kiosk) can produce has its Chinese for the
pages: found by reading their source (each string or f-string a function returns, each
Outcome(False, …) and Refused(…, …)), so a refusal added without its Chinese fails here rather
than reaching a page in English."""
import ast
import logging

import pytest

from gateway.api import refusals as rf
from gateway.config import load_file
from gateway.engine import SPEC, Engine
from tests.support import ROOT
from tests.support.words import english_or_iso

# The engine's handlers and the runtime refuse by returning the text; the kiosk by Refused(status, text).
RETURNING = sorted((ROOT / "gateway" / "engine").glob("*.py")) + [ROOT / "gateway" / "runtime.py"]
SOURCES = RETURNING + sorted((ROOT / "gateway" / "kiosk").glob("*.py"))
# Functions that return text which is not a refusal: (file, function) -> why.
NOT_REFUSALS = {("followup.py", "named"): "a follow-up status named in both languages, inside refusals",
                ("appointments.py", "key"): "an appointment's key (day:code)",
                ("appointments.py", "_hhmm"): "a time of day, inside refusals"}
SAMPLES = {"win": "3", "n": "60", "ord": "0", "staff": "'s001'", "svc": "'ZH'", "matter": "'330681-ZH-002'",
           "num": "A012", "id": "'F1'", "wstatus": "paused", "tstate": "called", "doing": "call next",
           "fuaction": "approve", "ctype": "pause", "field": "until", "part": "'audio'", "day": "2026-11-23",
           "time": "2026-11-30 17:00", "cn": "待整改 (pending)", "list": "会议, 培训", "astate": "checked_in",
           "hm": "09:30", "note": "what was done", "asked": "无效差评(待审核) (invalid_requested)"}
HALL = load_file(ROOT / "hall_config" / "county.toml")


def template(node) -> str | None:
    """The text of a string or f-string with each {…} as {}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def texts(node):
    """The strings a return value may be: itself, a tuple's parts, both arms of an if-else."""
    t = template(node)
    if t is not None:
        yield t
    elif isinstance(node, ast.Tuple):
        for e in node.elts:
            yield from texts(e)
    elif isinstance(node, ast.IfExp):
        yield from texts(node.body)
        yield from texts(node.orelse)


def refusals_in_source() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef) or (path.name, fn.name) in NOT_REFUSALS:
                continue
            for node in ast.walk(fn):
                got = []
                if isinstance(node, ast.Return) and node.value is not None and path in RETURNING:
                    got = texts(node.value)
                elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Outcome", "Refused") \
                        and len(node.args) >= 2:
                    got = texts(node.args[1])
                for t in got:
                    found.setdefault(t, f"{path.relative_to(ROOT)}:{node.lineno} ({fn.name})")
    return found


def sample_of(key: str) -> str:
    """A refusal of this template, with values its Chinese can name."""
    used = rf._used(rf.ZH[key])
    parts = key.split("{}")
    out = parts[0]
    for i, literal in enumerate(parts[1:]):
        spec = used.get(i)
        out += (SAMPLES[spec] if spec else "7" if i in used else "") + literal
    return out


def test_every_refusal_in_the_source_has_its_chinese():
    found = refusals_in_source()
    assert len(found) > 80, "the source scan found too little: has the engine moved?"
    missing = {t: where for t, where in found.items() if t not in rf.ZH}
    assert not missing, "refusals without Chinese (add them to gateway/api/refusals.py ZH):\n" + \
        "\n".join(f"  {t!r}  at {where}" for t, where in missing.items())
    stale = sorted(set(rf.ZH) - set(found))
    assert not stale, f"ZH entries no source produces any more: {stale}"


@pytest.mark.parametrize("key", sorted(rf.ZH))
def test_each_refusal_reads_as_chinese_and_finds_its_own_entry(key):
    sample = sample_of(key)
    assert rf.template_of(sample) == key, f"{sample!r} is taken by another entry"
    zh = rf.chinese(sample, HALL)
    assert zh != rf.FALLBACK and not english_or_iso(zh), (sample, zh)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_names_not_codes_and_real_refusals_of_the_engine():
    eng = Engine(HALL)
    at = 1795395600.0  # Monday 2026-11-23 09:00 in Shanghai: open
    assert eng.handle({"type": "login", "at": at, "window": 1, "verified": True, "staff": "s001"}).ok
    cases = [
        ({"type": "login", "at": at, "window": 2, "verified": True, "staff": "s001"}, "王芳已在1号窗口登录，请先在那里退出"),
        ({"type": "login", "at": at, "window": 1, "verified": True, "staff": "s002"}, "1号窗口已有王芳登录，请先退出"),
        ({"type": "call_next", "at": at, "window": 1}, "没有等候1号窗口的号"),
        ({"type": "start", "at": at, "window": 1}, "1号窗口空闲，不能开始办理"),
        ({"type": "pause", "at": at, "window": 1, "reason": "睡觉"}, None),
        ({"type": "transfer", "at": at, "window": 1, "to_staff": "s003"}, "1号窗口空闲，不能转移"),
        ({"type": "call_ticket", "at": at, "window": 1, "number": "A099"}, "今天没有A099号"),
        ({"type": "pause", "at": at, "window": 1, "reason": "会议", "until": "9h"}, "暂停：返回时间请写成“时:分”，如 10:30"),
        ({"type": "login", "at": at, "window": 3, "verified": False}, "登录码错误（再错 4 次将锁定本窗口登录）"),
        ({"type": "rate_supplementary", "at": at, "code": "ABCDEFGH", "level": 5}, "评价码无效，或已过补充评价期限"),
        ({"type": "part_fault", "at": at, "part": "lights", "active": True}, "没有这个设备部件"),
    ]
    for cmd, want in cases:
        out = eng.handle(cmd)
        assert not out.ok, cmd
        zh = rf.chinese(out.refusal, HALL)
        assert zh != rf.FALLBACK and not english_or_iso(zh), (out.refusal, zh)
        if want:
            assert zh == want, (out.refusal, zh)
    paused = eng.handle({"type": "pause", "at": at, "window": 1, "reason": "睡觉"}).refusal
    assert rf.chinese(paused, HALL).startswith("暂停原因请从本厅的列表中选：会议、培训、外出办事")
    # an id is shown as the ticket's number, a date as people write it
    assert rf.chinese("no ticket '2026-11-23-A001' today") == "今天没有A001号"
    assert rf.chinese("code ABCD2345 expired at 2026-11-30 17:00: 补充评价 is open for a limited time after the service") \
        == "补充评价期限已于 2026年11月30日 17:00 结束"
    # without the hall, or a staff id it does not know: a neutral word, never the code
    assert rf.chinese("s001 is already logged in at window 1") == "该工作人员已在1号窗口登录，请先在那里退出"


def test_a_refusal_without_chinese_shows_a_general_sentence_and_logs_the_english(caplog):
    with caplog.at_level(logging.WARNING, logger="hallgw.refusals"):
        assert rf.chinese("the moon is in the wrong phase") == rf.FALLBACK
    assert "the moon is in the wrong phase" in caplog.text
    assert rf.chinese(None) == rf.FALLBACK and not english_or_iso(rf.FALLBACK)


def test_every_command_and_field_has_a_name():
    assert set(SPEC) <= set(rf.COMMAND)
    assert {f for _w, fields in SPEC.values() for f in fields} | {"window", "at"} <= set(rf.FIELD)
    assert set(rf.CONVERTERS) <= set(SAMPLES)
