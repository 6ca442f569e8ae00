"""Ratings delivered to the emulated provincial platform (a real subprocess on
loopback), in process with a real runtime and store: every field, SM4 on and off,
token expiry, the platform's faults, dead letter and retry after the fix, the
mapping test, the form adapter, follow-ups and 补充评价. "Once" is counted from the
platform's request log (tests/upstream/sent.py), and a planted defect (an outbox that
re-sends everything after each restart) shows the count catches what rows cannot."""
import time
from collections import Counter

import pytest

from gateway.engine import reads
from gateway.outbox import Outbox, OutboxStore
from gateway.runtime import DB_NAME, Runtime
from gateway.upstream import record as rd
from gateway.upstream.destination import tag_of
from gateway.upstream.service import NotConfirmable, Upstream
from hil.day.check import records
from hil.province.control import Province
from hil.province.platform import DEFAULT_REASONS
from tests.support.hallday import MONDAY_9, StepClock
from tests.support.mqtt_client import wait_for
from tests.support.words import english_or_iso
from tests.upstream.sent import check_sent_once, cut_keys, rating_attempts
from tests.upstream.uphall import APP_KEY, SECRET, Window, hall_for

GB = '{ "非常满意" = "1", "满意" = "2", "基本满意" = "3", "不满意" = "4", "非常不满意" = "5" }'


@pytest.fixture
def province(tmp_path, request):
    sm4 = getattr(request, "param", False)
    with Province(tmp_path / "province", APP_KEY, SECRET, sm4=sm4) as p:
        yield p


class Hall:
    """Runtime + upstream service on one store; reopened as a restarted gateway would."""

    def __init__(self, tmp_path, province, adapter="hcp-json", **kw):
        self.tmp, self.province, self.adapter, self.kw = tmp_path, province, adapter, kw
        self.clock = StepClock(MONDAY_9 + 3600, 7)
        self.open()

    def open(self, **kw):
        self.kw.update(kw)
        self.hall = hall_for(self.province.url, self.tmp, adapter=self.adapter, sm4=self.province.sm4, **self.kw)
        self.rt = Runtime(self.hall, self.tmp / "gw")
        self.up = Upstream(self.rt, self.tmp / "gw" / DB_NAME, self.clock, retry_base=0.05)
        self.up.start()
        self.window = None

    def close(self):
        self.up.stop()
        self.rt.close()

    def rate(self, level, reasons=(), **kw):
        if self.window is None:
            self.window = Window(self.rt.submit, self.clock)
        return self.window.rated(level, reasons, **kw)

    def status(self):
        return self.up.status()["destinations"][0]

    def settle(self, timeout=30.0, dead=0, pending=0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            st = self.status()
            # cursor == head: every record committed so far is scanned (a rating just committed
            # is not pending until the outbox has derived its item).
            if st["pending"] == pending and st["dead_letter"] == dead and not st["held"] and st["cursor"] == st["head"]:
                return st
            time.sleep(0.05)
        raise AssertionError(f"not settled: {self.status()}")

    def tag(self):
        return tag_of(self.tmp / "gw" / DB_NAME)


def by_id(province):
    return {r["eval_id"]: r["record"] for r in province.records()}


@pytest.mark.parametrize("province", [False, True], ids=["plain", "sm4"], indirect=True)
def test_each_rating_arrives_once_with_every_field(tmp_path, province):
    h = Hall(tmp_path, province)
    try:
        evs = [h.rate(5), h.rate(2, ["02", "05"], project_no="ZJ-2026-000123"), h.rate(3, matter="330681-ZH-002")]
        h.settle()
        got = by_id(province)
        assert len(got) == 3
        for ev in evs:
            want = rd.rating(h.hall, ev, h.tag())
            assert got[want["eval_id"]] == want
        second = got[rd.eval_id(h.hall.id, h.tag(), evs[1]["prompt"])]
        assert (second["level"], second["reasons"], second["project_no"]) == (2, ["02", "05"], "ZJ-2026-000123")
        assert got[rd.eval_id(h.hall.id, h.tag(), evs[0]["prompt"])]["project_no_minted"] is True
        assert province.state()["sm4"] is province.sm4
        # the province's content version was downloaded and is what the evaluators show
        assert h.rt.read(lambda e: e.content["version"]) == "P2026.1"
        # token expiry: a new token, the rating still goes out once
        province.control(fault="expire_tokens")
        h.rate(4)
        h.settle()
        assert len(by_id(province)) == 4 and province.state()["tokens_issued"] >= 2
        # counted from what the platform received: each once, nothing sent twice
        expected = {rd.eval_id(h.hall.id, h.tag(), e["prompt"]) for e in evs} | set(by_id(province))
        check_sent_once(rating_attempts(province), expected, Counter())
    finally:
        h.close()


def test_platform_faults_lose_and_double_nothing(tmp_path, province):
    h = Hall(tmp_path, province)
    try:
        h.settle()
        province.control(fault="5xx", count=4)
        province.control(fault="cut_after_accept", count=2)
        province.control(fault="timeout", count=1, seconds=2.5)  # the gateway waits 2 s
        province.control(fault="slow", count=2, seconds=0.3)
        evs = [h.rate(lv) for lv in (5, 4, 3, 5, 4, 1)]
        h.settle()
        province.control(fault="offline")
        evs += [h.rate(lv) for lv in (5, 2, 4)]
        # The gateway's own record that the platform is unreachable, with the three waiting.
        assert wait_for(lambda: h.status()["pending"] >= 3 and h.status()["last_error"])
        province.control(fault="online")
        h.settle()
        # Counted from the platform's request log: each once; resent only the two whose answer was cut.
        attempts = rating_attempts(province)
        cuts = cut_keys(attempts)
        assert sum(cuts.values()) == 2
        counts = check_sent_once(attempts, {rd.eval_id(h.hall.id, h.tag(), e["prompt"]) for e in evs}, cuts)
        assert counts["resent"] == 2 and province.state()["conflicts"] == 0
    finally:
        h.close()


def restarts(h, rounds=3, per_round=2) -> set[str]:
    """Ratings made across gateway restarts, each run settled before it stops; their eval_ids."""
    made = set()
    for i in range(rounds):
        if i:
            h.open()
        for lv in range(per_round):
            prompt = h.rate(5 - lv)["prompt"]
            made.add(rd.eval_id(h.hall.id, h.tag(), prompt))
        h.settle()
        h.window.do("logout", window=1)
        h.close()
    return made


def test_restarts_send_nothing_again(tmp_path, province):
    h = Hall(tmp_path, province)
    made = restarts(h)
    assert check_sent_once(rating_attempts(province), made, Counter())["resent"] == 0


def test_the_count_of_what_was_sent_catches_a_gateway_that_resends_after_each_restart(tmp_path, province,
                                                                                       monkeypatch):
    # The planted defect: at each start the outbox forgets what the platform acknowledged.
    forgetful = Outbox.start

    def start(self):
        store = OutboxStore(self.db, self.dest.name)
        store.conn.execute("UPDATE outbox_items SET state = 'pending' WHERE dest = ?", (self.dest.name,))
        store.close()
        forgetful(self)
    monkeypatch.setattr(Outbox, "start", start)
    h = Hall(tmp_path, province)
    made = restarts(h)
    # What the tests looked at before: the platform's rows (UNIQUE eval_id) and "some 重复值".
    assert sorted(by_id(province)) == sorted(made) and province.state()["duplicates_answered"] >= 1
    with pytest.raises(AssertionError, match="resends, at most 0"):
        check_sent_once(rating_attempts(province), made, Counter())


def test_a_400_lands_in_dead_letter_and_goes_after_the_fix(tmp_path, province):
    h = Hall(tmp_path, province, extra='reason_map = { "99" = "98" }')  # the province has no 98
    try:
        h.settle()
        # rated on an evaluator still showing the hall file's fallback list
        ok = h.rate(4)
        bad = h.window.rated(1, ["99"])
        h.rt.submit({"type": "tick", "at": h.clock()})
        h.settle(dead=1, pending=1)  # the 差评's follow-up waits for its rating
        dead = h.up.dead_letter()
        assert [d["eval_id"] for d in dead] == [rd.eval_id(h.hall.id, h.tag(), bad["prompt"])]
        assert "98" in dead[0]["reason"] and dead[0]["ticket"] == bad["number"]
        assert rd.eval_id(h.hall.id, h.tag(), ok["prompt"]) in by_id(province)
    finally:
        h.close()
    # the supervisor fixes the mapping, restarts the gateway and retries
    h.open(extra='reason_map = { "99" = "99" }')
    try:
        assert h.up.retry(dead[0]["eval_id"]) == 1
        h.settle()
        assert by_id(province)[dead[0]["eval_id"]]["reasons"] == ["99"]
        assert [f["eval_id"] for f in province.followups()] == [dead[0]["eval_id"]]
    finally:
        h.close()


def test_wrong_level_map_is_caught_and_nothing_is_sent(tmp_path, province):
    h = Hall(tmp_path, province, level_map=GB)
    try:
        h.rate(5)
        end = time.monotonic() + 10
        # The hold may be written before the worker has derived the rating's item (the check
        # and the commit race): wait for both, then check nothing went out.
        while time.monotonic() < end:
            st = h.status()
            if "wrong way" in (st["held"] or "") and st["pending"] == 1:
                break
            time.sleep(0.05)
        assert "wrong way round" in st["held"] and st["pending"] == 1
        assert province.records() == []
        # the dashboard says so in Chinese, and there is nothing a supervisor could confirm
        lm = st["level_map"]
        assert lm["state"] == "reversed" and "写反" in lm["text"] and not lm.get("confirmable")
        with pytest.raises(NotConfirmable):
            h.up.confirm_level_map("s047", h.clock())
        assert h.status()["held"] and province.records() == []
    finally:
        h.close()


def level_map_checked(h, timeout=20.0) -> dict:
    """The level map's standing once this run's check has answered."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        lm = h.status()["level_map"]
        if h.up.content.verdict is not None:
            return lm
        time.sleep(0.05)
    raise AssertionError(f"the level map was never checked: {h.status()}")


def test_a_province_that_lists_praise_tags_gets_every_rating_and_the_dashboard_warns(tmp_path):
    with Province(tmp_path / "province", APP_KEY, SECRET, praise_tags=True) as province:
        h = Hall(tmp_path, province)
        try:
            lm = level_map_checked(h)
            assert lm["state"] == "unclear" and lm["confirmable"] and "好评标签" in lm["text"]
            assert not english_or_iso(lm["text"]) and not english_or_iso(lm["map_cn"])
            evs = [h.rate(5), h.rate(2, ["01"]), h.rate(4)]
            st = h.settle()  # delivered, not held
            assert not st["held"] and st["delivered"] >= 3 and st["level_map"]["state"] == "unclear"
            got = by_id(province)
            assert [got[rd.eval_id(h.hall.id, h.tag(), e["prompt"])]["level"] for e in evs] == [5, 2, 4]
            # the evaluators show the 差评 reasons, never the praise tags
            assert [r.code for r in h.rt.read(lambda eng: reads.content(eng).reasons)] == \
                [r["code"] for r in DEFAULT_REASONS["1"]]
            # a supervisor confirms: a logged command with who, and the warning is gone
            lm = h.up.confirm_level_map("s047", h.clock())
            assert (lm["state"], lm["by"], lm["by_name"]) == ("confirmed", "s047", "高洁") and "text" not in lm
            confirmed = [r["cmd"] for r in records(h.tmp / "gw" / DB_NAME) if r["cmd"]["type"] == "confirm_level_map"]
            assert [(c["by"], c["role"], c["map"]) for c in confirmed] == [("s047", "supervisor", "1=1,2=2,3=3,4=4,5=5")]
            h.window.do("logout", window=1)
        finally:
            h.close()
        h.open()  # a restart: the confirmation is in the log, the warning stays gone
        try:
            assert h.status()["level_map"]["state"] == "confirmed"  # before this run's check, from the notes
            assert level_map_checked(h)["state"] == "confirmed"
            h.rate(3)
            h.settle()
            h.window.do("logout", window=1)
        finally:
            h.close()
        h.open(level_map=GB)  # another map: the confirmation was for the one before
        try:
            lm = level_map_checked(h)
            assert lm["state"] == "unclear" and lm["confirmable"] and lm["map"] == "1=5,2=4,3=3,4=2,5=1"
            h.rate(5)
            assert not h.settle()["held"]  # the content still cannot tell: delivered, and warned
        finally:
            h.close()
        assert len(by_id(province)) == 5 and province.state()["praise_tags"] is True


def test_form_adapter(tmp_path, province):
    h = Hall(tmp_path, province, adapter="zj-form")
    try:
        evs = [h.rate(5), h.rate(1, ["01"], project_no="ZJ-9")]
        h.settle()
        recs = {r["key"]: r["fields"] for r in province.form_records()}
        assert set(recs) == {f"{rd.minted_project_no(h.hall, evs[0])}#1", "ZJ-9#1"}
        f = recs["ZJ-9#1"]
        assert (f["satisfaction"], f["evalDetail"], f["pf"], f["userProp"]) == ("1", "01", "5", "")
        assert f["taskCode"] == "330681-ZH-001" and f["proManager"] == h.hall.staff_member("s001").name
        assert province.followups() == []  # the form interface takes none; they stay in the hall
    finally:
        h.close()


def test_followups_and_supplementary_rating_reported(tmp_path, province):
    h = Hall(tmp_path, province)
    try:
        bad = h.rate(2, ["01"])
        fid = next(f["id"] for f in h.rt.engine.followups if f["prompt"] == bad["prompt"])
        for action, extra in (("start", {}), ("complete", {"note": "已致电解释并改进流程"}),
                              ("callback", {"result": "satisfied"})):
            out = h.rt.submit({"type": "followup", "at": h.clock(), "id": fid, "action": action, "by": "张科长",
                               "role": "supervisor", **extra})
            assert out.ok, out.refusal
        # a citizen who left without rating rates later by the ticket's code
        t = h.rt.submit({"type": "issue_ticket", "at": h.clock(), "service": "ZH", "matter": "330681-ZH-001",
                         "sup_code": "ABCD2345"})
        assert t.ok, t.refusal
        for kind in ("call_next", "start", "finish"):
            assert h.rt.submit({"type": kind, "at": h.clock(), "window": 1}).ok
        out = h.rt.submit({"type": "rate_supplementary", "at": h.clock(), "code": "ABCD2345", "level": 4})
        assert out.ok, out.refusal
        h.settle()
        eid = rd.eval_id(h.hall.id, h.tag(), bad["prompt"])
        assert [f["data"]["state"] if "data" in f else f["state"] for f in province.followups()
                if (f.get("data") or f)["eval_id"] == eid] == ["待整改", "整改中", "整改完成", "回访"]
        sup = by_id(province)[rd.eval_id(h.hall.id, h.tag(), "SABCD2345")]
        assert (sup["assess_number"], sup["channel"], sup["level"]) == (2, "3", 4)
    finally:
        h.close()
