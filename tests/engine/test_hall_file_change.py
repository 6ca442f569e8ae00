"""The hall file edited between two runs: additions just work; removing what
today's open state still uses stops the gateway with a clear message instead
of stranding a citizen's ticket or crashing later."""
import subprocess
import sys

import pytest

from gateway.config import load_text
from gateway.engine.compat import StoreMismatch
from gateway.runtime import Runtime
from tests.support.hallday import MONDAY_9, ROOT

COUNTY = (ROOT / "hall_config" / "county.toml").read_text(encoding="utf-8")
TS_BLOCK = '''[[services]]
code = "TS"
name = "办不成事反映"
prefix = "Q"
department = "县政务服务中心"
dept_code = "11330681MB0000001X"
matters = [{ code = "330681-TS-001", name = "办不成事反映" }]
'''
WITHOUT_TS = COUNTY.replace(TS_BLOCK, "").replace('services = ["TS"]', 'services = ["BB"]')
WITH_WINDOW_24 = COUNTY.replace("[[staff]]", '''[[windows]]
number = 24
display_text = "24号 综合受理"
type = "comprehensive"
services = ["ZH"]

[[staff]]''', 1)


def test_edits_are_real():
    assert TS_BLOCK in COUNTY and "TS" not in {s.code for s in load_text(WITHOUT_TS, "c.toml").services}
    assert 24 in {w.number for w in load_text(WITH_WINDOW_24, "c.toml").windows}


def open_ts_ticket(d):
    rt = Runtime(load_text(COUNTY, "county.toml"), d)
    assert rt.submit({"type": "issue_ticket", "at": MONDAY_9, "service": "TS"}).ok
    return rt


def test_a_window_added_after_a_clean_stop_is_there_and_the_queue_is_kept(tmp_path):
    rt = open_ts_ticket(tmp_path)
    rt.close()
    again = Runtime(load_text(WITH_WINDOW_24, "county.toml"), tmp_path)
    assert again.engine.windows[24]["status"] == "closed"
    assert again.engine.line.waiting["TS"] == 1
    again.close()


@pytest.mark.parametrize("clean", [True, False], ids=["after a clean stop", "after a crash"])
def test_removing_a_service_with_open_tickets_is_refused(tmp_path, clean):
    rt = open_ts_ticket(tmp_path)
    if clean:
        rt.close()          # snapshot: the open ticket is in it
    else:
        rt.store.close()    # power cut: the ticket is only in the command log
    with pytest.raises(StoreMismatch) as e:
        Runtime(load_text(WITHOUT_TS, "county.toml"), tmp_path)
    assert "Q001" in str(e.value) or "issue_ticket" in str(e.value)
    # Nothing was written: the file put back finds the ticket where it was.
    back = Runtime(load_text(COUNTY, "county.toml"), tmp_path)
    assert back.engine.line.waiting["TS"] == 1
    back.close()


def test_hallgw_run_says_what_is_in_the_way(tmp_path):
    open_ts_ticket(tmp_path / "data").close()
    edited = tmp_path / "county.toml"
    edited.write_text(WITHOUT_TS, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "gateway.cli", "run", "--config", str(edited), "--data-dir",
                        str(tmp_path / "data"), "--no-extensions", "--http-port", "0"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "open ticket Q001 (waiting) is for service 'TS', which the hall file no longer has" in r.stderr
    assert "put the hall file back" in r.stderr
