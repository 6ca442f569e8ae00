"""A gateway SIGKILLed 20 times while it delivers ratings to the platform loses and
doubles nothing, counted from the platform's request log (every attempt): each eval_id
accepted exactly once, and resends (answered 重复值) at most one per kill that struck with
ratings pending (read from the outbox at the kill) plus one per cut answer, and at least
one for each rating seen stored but still pending at a kill; with ratings in backlog and
ratings made between the kills."""
import json
import random
import time
import urllib.request
from collections import Counter

from gateway.config import load_file
from gateway.outbox import status
from gateway.outbox.store import connect
from gateway.runtime import DB_NAME, Runtime
from gateway.upstream import record as rd
from gateway.upstream.destination import tag_of
from hil.day.check import events, records
from hil.day.clock import day_start
from hil.province.control import Province
from hil.province.hall_file import write_hall_file
from hil.services.gateway import Gateway
from hil.services.mosquitto import free_port
from tests.support import ROOT
from tests.upstream.sent import check_sent_once, cut_keys, in_flight, rating_attempts
from tests.upstream.uphall import APP_KEY, SECRET, Window

KILLS = 20
def call(gw, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(gw.url + path, json.dumps(body).encode() if body is not None else None, headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def settled(data) -> bool:
    """Nothing left to deliver: every record scanned, no rating pending."""
    conn = connect(data / DB_NAME, readonly=True)
    try:
        st = status(conn, "province")
    finally:
        conn.close()
    return st["pending"] == 0 and st["cursor"] == st["head"]


def wait_until(pred, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "the gateway never got on with its delivery"
        time.sleep(0.02)


def test_sigkill_20_times_during_delivery(tmp_path):
    rnd = random.Random(12)
    with Province(tmp_path / "province", APP_KEY, SECRET) as province:
        # A generous time-out: a client that gave up on a slow answer would resend for a reason of
        # its own, and the count of resends below allows only the kills' and the cut answers'.
        config = write_hall_file(ROOT / "hall_config" / "county.toml", tmp_path / "hall.toml", province,
                                 retry_max=1, timeout=20.0)
        hall = load_file(config)
        _, start = day_start(hall, hour=10.0)
        data = tmp_path / "gw"
        # A backlog: ratings recorded before the gateway ever reached the platform.
        now = [start]

        def clock():
            now[0] += 3
            return now[0]
        rt = Runtime(hall, data)
        win = Window(rt.submit, clock, window=1, staff_code="1001")
        for i in range(30):
            win.rated(5 - i % 5, ["03"] if i % 5 >= 3 else [])
        win.do("logout", window=1)
        rt.close()
        # Slow answers widen the window in which a kill lands between the platform
        # storing a rating and the gateway marking it delivered.
        province.control(fault="slow", count=100000, seconds=0.06)
        province.control(fault="cut_after_accept", count=5)
        gw = Gateway(config, data, free_port(), free_port(), without=("broker", "devices", "announcer", "status_led"),
                     clock=(now[0] + 60, 1.0, time.time()))
        token = None
        mid_delivery = 0  # kills that struck with ratings still to deliver
        unknown = Counter()  # eval_id -> kills that struck while it was stored but not known so
        try:
            for k in range(KILLS):
                seen = len(rating_attempts(province))
                gw.start()
                token = token or (data / "api_token").read_text().strip()
                if k % 2 == 0:  # a citizen served, who rates later by the ticket's code
                    t = call(gw, "/api/v1/tickets", {"service": "ZH", "matter": "330681-ZH-001"}, token)
                    for action in ({"action": "login", "staff_code": "1002"}, {"action": "call_next"},
                                   {"action": "start"}, {"action": "finish"}, {"action": "logout"}):
                        call(gw, "/api/v1/windows/2/actions", action, token)
                    call(gw, "/api/v1/ratings/supplementary", {"code": t["sup_code"], "level": 1 + k % 5,
                                                                "reasons": ["01"] if k % 5 < 2 else []})
                # The kill lands while delivering: after this run's first rating reached the
                # platform (or with nothing left to deliver), at a random moment.
                wait_until(lambda seen=seen: len(rating_attempts(province)) > seen or settled(data))
                time.sleep(rnd.uniform(0, 0.15))
                gw.kill()
                conn = connect(data / DB_NAME, readonly=True)
                mid_delivery += status(conn, "province")["pending"] > 0
                conn.close()
                # Stored on the platform, pending in the outbox: it must go again. (A request the
                # platform is still handling may add one after this look: it counts above, not here.)
                unknown.update(in_flight(province, data / DB_NAME))
            gw.start()
            sup = (data / "supervisor_token").read_text().strip()
            end = time.monotonic() + 60
            while time.monotonic() < end:
                st = call(gw, "/api/v1/upstream", token=sup)["destinations"][0]
                if st["pending"] == 0 and not st["held"]:
                    break
                time.sleep(0.2)
            assert st["pending"] == 0 and st["dead_letter"] == 0, st
            assert mid_delivery >= 5, f"only {mid_delivery} kills struck during delivery"
        finally:
            gw.stop()
        recs = records(data / DB_NAME)
        tag = tag_of(data / DB_NAME)
        stored = {rd.eval_id(hall.id, tag, e["prompt"]): e for _, e in events(recs) if e["type"] == "rating_recorded"}
        assert len(stored) == 30 + KILLS // 2
        attempts = rating_attempts(province)
        cuts = cut_keys(attempts)
        assert sum(cuts.values()) == 5  # every cut_after_accept struck
        # Above: the outbox sends one record at a time, so a kill with records pending strikes at
        # most one request in flight; each cut answer costs one resend more. Below: every rating
        # seen stored and still pending at a kill, and every cut one, was sent again.
        counts = check_sent_once(attempts, set(stored), unknown + cuts, bound=mid_delivery + sum(cuts.values()))
        assert counts["resent"] >= 5 and province.state()["conflicts"] == 0
        print(f"{counts['sent']} ratings sent for {len(stored)}: {counts['resent']} resent, at most "
              f"{counts['bound']} allowed ({mid_delivery} of {KILLS} kills with ratings pending, "
              f"{sum(unknown.values())} seen in flight; {sum(cuts.values())} cut answers)")
        for eid, ev in stored.items():
            assert next(r["record"] for r in province.records() if r["record"]["eval_id"] == eid) == \
                rd.rating(hall, ev, tag)

