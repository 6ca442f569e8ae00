"""Hall configuration: the examples pass, and broken files are refused with
the file, the key path and what is wrong, through `hallgw config check`."""
import re
import subprocess
import sys

import pytest

from gateway.config import ConfigError, load_file, load_text
from tests.support import ROOT

COUNTY = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")


def hallgw(*args):
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_examples_are_valid_and_big_enough():
    county = load_file(ROOT / "hall_config" / "county.toml")
    village = load_file(ROOT / "hall_config" / "village.toml")
    assert county.tier == "county" and len(county.windows) >= 20 and len(county.devices) >= 60
    assert village.tier == "village" and len(village.windows) == 2
    assert county.thresholds.max_wait_minutes == 15
    assert county.thresholds.daily_cases_per_comprehensive_window == 30
    assert county.thresholds.satisfaction_percent == 95
    w = county.window(1)
    assert w.type == "comprehensive" and w.services[0] == "ZH" and w.post_a and w.post_b
    assert {d.role for d in county.devices_of(1)} == {"callpad", "evaluator", "display"}


def test_cli_check_examples():
    out = hallgw("config", "check", "hall_config/county.toml", "hall_config/village.toml")
    assert out.returncode == 0, out.stderr
    assert "county.toml: ok" in out.stdout and "village.toml: ok" in out.stdout


def replace_once(text, old, new):
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def window_block(i):
    """Text offset of the i-th [[windows]] table (0-based), to edit inside it."""
    starts = [m.start() for m in re.finditer(r"^\[\[windows\]\]$", COUNTY, re.M)]
    return starts[i]


def edit_window(i, old, new):
    at = window_block(i)
    head, tail = COUNTY[:at], COUNTY[at:]
    return head + replace_once(tail, old, new)


BROKEN = [
    # (name, edit of the county file, expected key path, expected words)
    ("unknown service in a window",
     lambda: edit_window(3, 'services = ["ZH"', 'services = ["ZH", "X9"'),
     "windows[3].services[1]", "unknown service 'X9'"),
    ("duplicate window number",
     lambda: edit_window(1, "number = 2", "number = 1"),
     "windows[1].number", "duplicate window number 1"),
    ("device on a missing window",
     lambda: replace_once(COUNTY, 'role = "display"\nwindow = 23', 'role = "display"\nwindow = 99'),
     "devices[68].window", "unknown window 99"),
    ("bad device role",
     lambda: replace_once(COUNTY, 'role = "evaluator"', 'role = "printer"'),
     "devices[1].role", "must be one of callpad, evaluator, display"),
    ("two call pads on one window",
     lambda: replace_once(COUNTY, 'role = "evaluator"\nwindow = 1', 'role = "callpad"\nwindow = 1'),
     "devices[1].role", "duplicate role"),
    ("power save flag not true or false",
     lambda: replace_once(COUNTY, 'role = "evaluator"\nwindow = 1', 'role = "evaluator"\nwindow = 1\nwifi_power_save = "yes"'),
     "devices[1].wifi_power_save", "true or false"),
    ("bad tier",
     lambda: replace_once(COUNTY, 'tier = "county"', 'tier = "city"'),
     "hall.tier", "must be one of county, township, village"),
    ("bad region code",
     lambda: replace_once(COUNTY, 'region_code = "330681"', 'region_code = "3306"'),
     "hall.region_code", "region code of 6, 9 or 12 digits"),
    ("opening session backwards",
     lambda: replace_once(COUNTY, 'mon = [["09:00", "12:00"]', 'mon = [["12:00", "09:00"]'),
     "hours.weekly.mon[0]", "ends (09:00) before it starts (12:00)"),
    ("bad clock time",
     lambda: replace_once(COUNTY, 'tue = [["09:00", "12:00"]', 'tue = [["9am", "12:00"]'),
     "hours.weekly.tue[0][0]", "must be a time of day HH:MM"),
    ("duplicate ticket prefix",
     lambda: replace_once(COUNTY, 'prefix = "B"', 'prefix = "A"'),
     "services[1].prefix", "duplicate ticket prefix 'A'"),
    ("duplicate login code",
     lambda: replace_once(COUNTY, 'login_code = "1002"', 'login_code = "1001"'),
     "staff[1].login_code", "duplicate login code '1001'"),
    ("supervisor flag not true or false",
     lambda: replace_once(COUNTY, 'login_code = "1047"\nsupervisor = true', 'login_code = "1047"\nsupervisor = "yes"'),
     "staff[46].supervisor", "true or false"),
    ("unknown staff on a post",
     lambda: edit_window(0, 'post_b = "s002"', 'post_b = "s999"'),
     "windows[0].post_b", "unknown staff member 's999'"),
    ("free-space warning of no size",
     lambda: replace_once(COUNTY, "warn_free_mb = 200", "warn_free_mb = 0"),
     "storage.warn_free_mb", "0 is out of range 1..1048576"),
    ("free-space warning with its unit",
     lambda: replace_once(COUNTY, "warn_free_mb = 200", 'warn_free_mb = "200MB"'),
     "storage.warn_free_mb", "must be an integer"),
    ("threshold of the wrong type",
     lambda: replace_once(COUNTY, "max_wait_minutes = 15", 'max_wait_minutes = "15"'),
     "thresholds.max_wait_minutes", "must be an integer"),
    ("unknown key (typo)",
     lambda: replace_once(COUNTY, "recall_limit = 3", "recal_limit = 3"),
     "queue.recal_limit", "unknown key"),
    ("panel not made of 8x8 modules",
     lambda: edit_window(0, 'panel = "128x16"', 'panel = "100x16"'),
     "windows[0].panel", "multiples of 8"),
    ("duplicate bad-review reason code",
     lambda: replace_once(COUNTY, 'code = "02", text', 'code = "01", text'),
     "evaluation.reasons[1].code", "duplicate reason code '01'"),
    ("audio template without the window",
     lambda: replace_once(COUNTY, 'template = "请 {ticket} 号到 {window} 号窗口办理"', 'template = "请 {ticket} 号"'),
     "audio.template", "must contain both {ticket} and {window}"),
    ("holiday that is also a workday",
     lambda: replace_once(COUNTY, "workdays = [2026-09-27", "workdays = [2026-10-01"),
     "hours.workdays", "2026-10-01 is also listed as a holiday"),
    ("service no window serves",
     lambda: edit_window(22, 'services = ["TS"]', 'services = ["BB"]'),
     "services[12]", "no window serves 'TS'"),
    ("more pause reasons than digit keys",
     lambda: replace_once(COUNTY, '"临时离开", "就餐", "系统故障"]', '"临时离开", "就餐", "系统故障", "a", "b", "c", "d"]'),
     "queue.pause_reasons", "at most 9"),
    ("pause reason too long for the call pad",
     lambda: replace_once(COUNTY, '"系统故障"]', '"系统故障正在等待厂家工程师上门维修"]'),
     "queue.pause_reasons[5]", "at most 8"),
    ("pause reasons with more Chinese than a call pad's state carries",
     lambda: replace_once(COUNTY, '"会议", "培训", "外出办事", "临时离开", "就餐", "系统故障"]',
                          '"上级部门检查指导", "接待群众来信走访", "参加党员学习教育", "系统故障维修", "外出办事", '
                          '"临时离开", "就餐午休", "会议培训", "值班"]'),
     "queue.pause_reasons", "with the name '王芳' the reasons need 50 Chinese characters; a call pad's state carries 48"),
    ("satisfaction target not a number",
     lambda: replace_once(COUNTY, "satisfaction_percent = 95", "satisfaction_percent = nan"),
     "thresholds.satisfaction_percent", "not a finite number"),
    ("LED panel lower than the font",
     lambda: edit_window(0, 'panel = "128x16"', 'panel = "128x8"'),
     "windows[0].panel", "height 16..64"),
    ("差评 reasons too much for the evaluator",
     lambda: replace_once(COUNTY, '{ code = "99", text = "其他" },',
                          "".join(f'{{ code = "x{i}", text = "办事指南内容不清晰不准确材料要求反复变化第{i}条" }},'
                                  for i in range(5))),
     "evaluation.reasons", "more than the 2560 it takes"),
    ("missing windows",
     lambda: re.sub(r"^\[\[windows\]\]\n(?:.+\n)+", "", COUNTY, flags=re.M),
     "windows", "missing"),
]


@pytest.mark.parametrize("name,edit,path,words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config(tmp_path, name, edit, path, words):
    f = tmp_path / "hall.toml"
    f.write_text(edit(), encoding="utf-8")
    out = hallgw("config", "check", str(f))
    assert out.returncode != 0
    expected = f"{f}: {path}: "
    lines = [line for line in out.stderr.splitlines() if line.startswith(expected)]
    assert lines, f"no line for {path!r} in:\n{out.stderr}"
    assert any(words in line for line in lines), out.stderr


def test_a_zero_satisfaction_target_stays_zero():
    assert load_text(replace_once(COUNTY, "satisfaction_percent = 95", "satisfaction_percent = 0"),
                     "c.toml").thresholds.satisfaction_percent == 0


def test_toml_syntax_error_gives_line(tmp_path):
    f = tmp_path / "hall.toml"
    lines = COUNTY.splitlines()
    lines[9] = "name = 某某县 without quotes"
    f.write_text("\n".join(lines), encoding="utf-8")
    out = hallgw("config", "check", str(f))
    assert out.returncode == 1
    assert f"{f}: TOML syntax error" in out.stderr and "line 10" in out.stderr


def test_missing_and_unreadable_files(tmp_path):
    out = hallgw("config", "check", str(tmp_path / "nope.toml"))
    assert out.returncode == 1 and "nope.toml: file not found" in out.stderr
    f = tmp_path / "latin1.toml"
    f.write_bytes("name = 'caf\xe9'".encode("latin-1"))
    out = hallgw("config", "check", str(f))
    assert out.returncode == 1 and "not UTF-8" in out.stderr


def test_all_problems_reported_at_once():
    text = replace_once(COUNTY, 'tier = "county"', 'tier = "city"')
    text = replace_once(text, "max_wait_minutes = 15", "max_wait_minutes = 0")
    with pytest.raises(ConfigError) as e:
        load_text(text, "x.toml")
    paths = [p for p, _ in e.value.problems]
    assert "hall.tier" in paths and "thresholds.max_wait_minutes" in paths


def test_defaults_for_a_minimal_hall():
    hall = load_text("""
[hall]
id = "mini"
name = "最小站"
tier = "village"
region_code = "330681101201"
[hours.weekly]
mon = [["09:00", "17:00"]]
[evaluation]
reasons_version = "1"
reasons = [{ code = "01", text = "服务态度差" }]
[[services]]
code = "ZH"
name = "综合"
prefix = "A"
department = "站"
[[windows]]
number = 1
display_text = "1号"
type = "comprehensive"
services = ["ZH"]
""")
    assert hall.queue.recall_limit == 3 and hall.queue.normal_per_priority == 2
    assert hall.thresholds.max_wait_minutes == 15 and hall.window(1).panel.width == 64
    assert hall.broker.embedded and hall.evaluation.rectify_working_days == 15
    assert hall.storage.warn_free_mb == 200  # [storage] left out: the dashboard warns below 200 MB
