"""The one reader of the command log (gateway/store/reader.py): the same records, heads and
chain whether it reads on the runtime's connection or on a read-only one of its own from
another thread, without waiting for the runtime's lock; and an excerpt of another hall's log
that the same reader reads."""
import json
import sqlite3
import threading

import pytest

from gateway.runtime import DB_NAME, Runtime
from gateway.store import LogReader
from gateway.store.audit import GENESIS, chain
from gateway.store.excerpt import LogExcerpt
from tests.support.hallday import MONDAY_9, hall

HALL = hall("county")


def served(rt, n=3):
    """n tickets issued, called, served and rated at window 1; a refused command among them."""
    t = MONDAY_9
    rt.submit({"type": "login", "at": t, "window": 1, "staff_code": "1001"})
    assert not rt.submit({"type": "pause", "at": t + 1, "window": 3, "reason": "会议"}).ok  # nobody there
    for i in range(n):
        at = t + 10 + 10 * i
        assert rt.submit({"type": "issue_ticket", "at": at, "service": "ZH", "lane": "normal"}).ok
        for j, kind in enumerate(("call_next", "start", "finish")):
            assert rt.submit({"type": kind, "at": at + 1 + j, "window": 1}).ok
        prompt = rt.submit({"type": "request_evaluation", "at": at + 5, "window": 1}).result["prompt"]
        assert rt.submit({"type": "rate", "at": at + 6, "window": 1, "prompt": prompt, "level": 5}).ok


@pytest.fixture
def rt(tmp_path):
    rt = Runtime(HALL, tmp_path)
    served(rt)
    yield rt
    rt.close()


def test_an_empty_log(tmp_path):
    rt = Runtime(HALL, tmp_path)
    try:
        with LogReader.open(tmp_path / DB_NAME) as log:
            assert log.head() == (0, GENESIS) and log.first_hash() is None
            assert log.hall() == HALL.id
            assert list(log.records_after(0)) == [] and log.links_after(0, 10) == []
            assert log.matching(0, 10, events=("ticket_called",)) == (0, [])
    finally:
        rt.close()


def test_own_connection_reads_what_the_runtime_reads(rt, tmp_path):
    mine = rt.store.reader
    with LogReader.open(tmp_path / DB_NAME) as other:
        assert other.head() == mine.head() == (rt.store.seq, rt.store.head)
        assert other.head().seq == 3 * 6 + 2
        assert other.hall() == HALL.id
        everything = list(other.records_after(0))
        assert everything == list(mine.records_after(0))
        assert [r["seq"] for r in everything] == list(range(1, rt.store.seq + 1))
        assert everything[1]["cmd"]["type"] == "pause" and not everything[1]["outcome"]["ok"]
        # in batches: every record once, in order
        batches, after = [], 0
        while batch := list(other.records_after(after, 7)):
            batches.append(len(batch))
            after = batch[-1]["seq"]
        assert batches == [7, 7, 6]
        assert other.record(5) == everything[4] and other.record(999) is None
        assert [r["seq"] for r in other.latest(4)] == [20, 19, 18, 17]


def test_links_are_the_audit_chain(rt, tmp_path):
    with LogReader.open(tmp_path / DB_NAME) as log:
        links = log.links_after(0, 1000)
        assert [x.seq for x in links] == list(range(1, rt.store.seq + 1))
        prev = GENESIS
        for x in links:
            assert x.prev == prev and chain(x.prev, x.record) == x.hash == log.hash_of(x.seq)
            assert json.loads(x.record) == log.record(x.seq)
            prev = x.hash
        assert log.first_hash() == links[0].hash and log.head() == (links[-1].seq, links[-1].hash)
        assert log.links_after(18, 5) == links[18:]


def test_for_folding_leaves_quiet_records_unparsed(rt, tmp_path):
    with LogReader.open(tmp_path / DB_NAME) as log:
        folded = list(log.for_folding(0))
        full = list(log.records_after(0))
    assert [r["seq"] for r in folded] == [r["seq"] for r in full]
    refused = folded[1]
    assert refused == {"seq": 2, "outcome": {"events": []}, "hash": rt.store.reader.hash_of(2)}
    assert folded[0] == {**full[0], "hash": rt.store.reader.hash_of(1)}


def test_matching_by_event_or_command_and_how_far_it_looked(rt, tmp_path):
    with LogReader.open(tmp_path / DB_NAME) as log:
        rated = log.matching(0, 1000, events=("rating_recorded",))
        assert rated.upto == rt.store.seq
        assert [r["cmd"]["type"] for r in rated.records] == ["rate"] * 3
        assert all(any(e["type"] == "rating_recorded" for e in r["outcome"]["events"]) for r in rated.records)
        issued = log.matching(0, 1000, commands=("issue_ticket", "pause"))
        assert [r["cmd"]["type"] for r in issued.records] == ["pause"] + ["issue_ticket"] * 3
        # a text that only appears inside another command's values is not a match
        assert log.matching(0, 1000, commands=("会议",)).records == []
        # a window of records holding nothing: none found, but the scan moved on
        assert log.matching(2, 4, events=("rating_recorded",)) == (6, [])
        assert log.matching(rt.store.seq, 10, events=("rating_recorded",)) == (rt.store.seq, [])


def test_a_reader_of_its_own_never_waits_for_the_runtime(rt, tmp_path):
    """While the runtime's lock is held (a command being handled), another thread reads the
    log on its own connection; and that connection cannot write."""
    got = {}

    def read():
        with LogReader.open(tmp_path / DB_NAME) as log:
            got["head"] = log.head()
            try:
                log._conn.execute("INSERT INTO meta VALUES ('x', 'y')")
            except sqlite3.OperationalError as e:
                got["write"] = str(e)

    def held(_eng):
        t = threading.Thread(target=read)
        t.start()
        t.join(30)
        return t.is_alive()

    assert rt.read(held) is False
    assert got["head"] == (rt.store.seq, rt.store.head)
    assert "readonly" in got["write"]


def test_on_a_callers_connection_close_leaves_it_open(rt, tmp_path):
    conn = sqlite3.connect(tmp_path / DB_NAME)
    try:
        with LogReader.on(conn) as log:
            assert log.head().seq == rt.store.seq
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        conn.close()


def test_an_excerpt_keeps_what_it_is_given_and_how_far_it_looked(rt, tmp_path):
    wanted = [x for x in rt.store.reader.links_after(0, 1000) if '"rating_recorded"' in x.record]
    ex = LogExcerpt(tmp_path / "excerpt.db")
    try:
        assert ex.looked_upto() == 0
        assert ex.keep(wanted[:2], wanted[1].seq) == 2
        assert ex.keep(wanted, rt.store.seq) == 1  # the first two were kept already
        assert ex.looked_upto() == rt.store.seq
    finally:
        ex.close()
    with LogReader.open(tmp_path / "excerpt.db") as log:
        assert log.head() == (wanted[-1].seq, wanted[-1].hash)
        assert [r["seq"] for r in log.records_after(0)] == [x.seq for x in wanted]
    again = LogExcerpt(tmp_path / "excerpt.db")
    try:
        assert again.looked_upto() == rt.store.seq  # after a restart
    finally:
        again.close()
