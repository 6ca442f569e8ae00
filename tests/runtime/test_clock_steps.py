"""The runtime and a step of the hall clock: the log goes on from the corrected time (back as well as
forth), and a command stamped on the old clock just before the step, but submitted after it, is
moved onto the new one: after a step back it would otherwise be a day ahead and start a new day;
after a step forward it would otherwise stand at the step's time."""
from gateway.runtime import Runtime
from tests.support.hallday import at, hall

WED = at(2026, 11, 25, 9, 0)  # an RTC a day ahead
DAY = 86400.0


def test_a_stamp_on_the_old_clock_is_moved_over_a_step_back(tmp_path):
    rt = Runtime(hall(), tmp_path)
    assert rt.submit({"type": "clock", "at": WED, "synced": False, "cause": "start", "boot": "b"}).ok
    assert rt.submit({"type": "issue_ticket", "at": WED + 10, "service": "ZH"}).ok
    assert rt.submit({"type": "clock", "at": WED + 20 - DAY, "synced": True, "cause": "sync", "step": -DAY,
                      "boot": "b"}).ok
    assert rt.last_at == WED + 20 - DAY  # the log goes on from the corrected time
    out = rt.submit({"type": "issue_ticket", "at": WED + 19, "service": "ZH"})  # stamped before the step
    # moved back a day, and then (a second before the step) held at the log's last time
    assert out.ok and out.result["issued_at"] == WED + 20 - DAY and out.result["day"] == "2026-11-24"
    assert rt.read(lambda e: e.day) == "2026-11-24"  # no new day started by a stale stamp
    fresh = rt.submit({"type": "issue_ticket", "at": WED + 25 - DAY, "service": "ZH"})  # on the new clock
    assert fresh.result["issued_at"] == WED + 25 - DAY
    rt.close()


def test_a_stamp_on_the_old_clock_is_moved_over_a_step_forward(tmp_path):
    rt = Runtime(hall(), tmp_path)
    mon = WED - 2 * DAY
    assert rt.submit({"type": "clock", "at": mon, "synced": False, "cause": "start", "boot": "b"}).ok
    assert rt.submit({"type": "clock", "at": mon + 20 + DAY, "synced": True, "cause": "sync", "step": DAY,
                      "boot": "b"}).ok
    out = rt.submit({"type": "issue_ticket", "at": mon + 25, "service": "ZH"})  # old clock, submitted late
    assert out.result["issued_at"] == mon + 25 + DAY  # where it is on the new clock, not at the step's time
    rt.close()
