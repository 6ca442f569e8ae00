import datetime as dt
from collections import Counter

from gateway.config import load_file
from hil.day.plan import FAULT_KINDS, plan_day, rate_per_hour
from tests.support import ROOT

HALL = load_file(ROOT / "hall_config" / "county.toml")


def test_plan_is_fixed_by_its_seed():
    a = plan_day(HALL, dt.date(2026, 11, 23), 8, seed=7, faults=True)
    b = plan_day(HALL, dt.date(2026, 11, 23), 8, seed=7, faults=True)
    c = plan_day(HALL, dt.date(2026, 11, 23), 8, seed=8, faults=True)
    assert a.arrivals == b.arrivals and a.faults == b.faults
    assert a.arrivals != c.arrivals


def test_rush_hours_are_busier():
    plan = plan_day(HALL, dt.date(2026, 11, 23), 8, seed=3)
    by_hour = Counter(int(9 + a.at // 3600) for a in plan.arrivals)
    assert by_hour[9] > by_hour[12] and by_hour[14] > by_hour[12]
    assert rate_per_hour(9.5, 10) > 2 * rate_per_hour(12, 10)


def test_arrivals_are_well_formed():
    plan = plan_day(HALL, dt.date(2026, 11, 23), 8, seed=5, faults=True)
    codes = {s.code for s in HALL.services}
    reasons = {r.code for r in HALL.evaluation.reasons}
    assert len(plan.arrivals) > 500
    times = [a.at for a in plan.arrivals]
    assert times == sorted(times) and times[-1] < 8 * 3600
    lanes = Counter(a.lane for a in plan.arrivals)
    assert lanes["normal"] > lanes["green"] > 0 and lanes["appointment"] > 0
    for a in plan.arrivals:
        assert a.service in codes and a.service_seconds > 0
        assert a.transfer_to is None or (a.transfer_to in codes and a.transfer_to != a.service)
        if a.rating is not None and a.rating <= 2:
            assert a.reasons and set(a.reasons) <= reasons
        else:
            assert a.reasons == ()
    assert {f.kind for f in plan.faults} == set(FAULT_KINDS)
