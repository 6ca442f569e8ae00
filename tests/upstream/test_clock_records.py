"""The province's records and the hall clock: a rating made while the Pi runs on yesterday's
saved time waits in the hall until the clock is synchronized (or set by a supervisor), then goes
with its time (and the minted case number's day) corrected by the logged step. The log keeps what
was stamped."""
import pytest

from gateway.clock.hall_clock import HallClock
from gateway.clock.watch import Watch
from gateway.outbox import ACCEPTED, Outbox, OutboxStore, Result
from gateway.runtime import DB_NAME, Runtime
from gateway.upstream.destination import NAME, Province
from tests.clock.fakes import SYNCED, UNSYNCED, PiClock, Probe
from tests.support.hallday import at
from tests.upstream.uphall import Window, hall_for

MON_1640 = at(2026, 11, 23, 16, 40)
TUE_1005 = at(2026, 11, 24, 10, 5)


class Platform:
    """The province's side as the adapter sees it: every rating body it was sent."""
    name, supports_followups = "hcp-json", False

    def __init__(self):
        self.sent = []

    def send_rating(self, body):
        self.sent.append(body)
        return Result(ACCEPTED)


@pytest.fixture
def hall_at_monday_1640(tmp_path):
    h = hall_for("http://127.0.0.1:1/hcp", tmp_path)
    pi = PiClock(MON_1640)
    rt = Runtime(h, tmp_path / "store")
    clock = HallClock(pi.base, pi.boot)
    probe = Probe(UNSYNCED)
    watch = Watch(rt, clock, probe, boot="boot-1")
    watch.start()
    watch.stop()
    store = OutboxStore(tmp_path / "store" / DB_NAME, NAME)
    platform = Platform()
    outbox = Outbox(tmp_path / "store" / DB_NAME, Province(h, platform, store.log.first_hash, store.log))
    yield pi, rt, clock, probe, watch, store, outbox, platform
    store.close()
    rt.close()


def test_a_rating_on_yesterdays_clock_waits_and_goes_corrected(hall_at_monday_1640):
    pi, rt, clock, probe, watch, store, outbox, platform = hall_at_monday_1640

    def tick():
        pi.run(10)
        return clock()
    ev = Window(rt.submit, tick).rated(5)
    assert ev["clock"] == "unconfirmed" and ev["day"] == "2026-11-23"
    outbox.step(store)
    assert platform.sent == []  # not to the province with Monday's date on Tuesday's service
    key = outbox.dest.derive(_record_of(store, ev))[0][0]
    assert store.item(key).state == "pending"
    pi.run(30)
    stamped = ev["rated_at"]
    pi.step(TUE_1005 - pi.wall)
    probe.reading = SYNCED
    step = watch.check()["step"]
    outbox.step(store)
    assert len(platform.sent) == 1
    body = platform.sent[0]
    assert body["assess_time"] == _local(stamped + step) and body["assess_time"].startswith("2026-11-24 10:0")
    assert body["project_no"].startswith("33068120261124")  # the case number minted for Tuesday's service
    # the log keeps what was stamped
    assert _record_of(store, ev)["outcome"]["events"][-1]["rated_at"] == stamped


def test_a_clock_set_by_a_supervisor_lets_it_go(hall_at_monday_1640):
    pi, rt, clock, probe, watch, store, outbox, platform = hall_at_monday_1640

    def tick():
        pi.run(10)
        return clock()
    ev = Window(rt.submit, tick).rated(2)  # a 差评: its follow-up waits for it as ever
    outbox.step(store)
    assert platform.sent == []
    stamped = ev["rated_at"]
    fact = watch.set_by(TUE_1005, "s010")
    outbox.step(store)
    assert [b["assess_time"] for b in platform.sent] == [_local(stamped + fact["step"])]


def _record_of(store, ev):
    for rec in store.log.records_after(0):
        if any(e.get("prompt") == ev["prompt"] and e["type"] == "rating_recorded" for e in rec["outcome"]["events"]):
            return rec
    raise AssertionError("no record holds the rating")


def _local(t: float) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo
    return dt.datetime.fromtimestamp(t, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
