"""The printing race (issue 26, point 9) and the kiosk's retried request (point 6), over real
HTTP: the kiosk prints on the emulated printer, which holds the slip in its head (a slow print)
until the test lets it go, and a clerk calls at window 1 through the API meanwhile.

A ticket whose slip is printing is not callable: the clerk's call takes the next one; a slip
that then fails voids it, nobody having been called for it, and the kiosk says so kindly; a
slip that prints makes it callable in its original place. A request repeated with its key while
the first is still printing waits for the first's answer: one ticket, one slip."""
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from gateway.api import create_app
from gateway.api.once import once_for
from gateway.extensions import kiosk as kiosk_ext
from gateway.extensions.ports import PUSH_HUB
from gateway.pages.push import PushHub
from gateway.runtime import Runtime
from gateway.store import LogReader
from hil.printer import PrinterEmulator
from tests.kiosk.test_kiosk_api import BODY, county
from tests.support.context import context
from tests.support.hallday import MONDAY_9
from tests.support.http_server import serving
from tests.support.words import english_or_iso

CLERK, KIOSK = "clerk-token", "kiosk-token"
AS_CLERK, AS_KIOSK = {"Authorization": f"Bearer {CLERK}"}, {"Authorization": f"Bearer {KIOSK}"}
KEY = "5c1d7f0e3b9a4e2d8f6a0b1c2d3e4f50"
WAIT_S = 30  # a guard against a hang, not a measure


class Gateway:
    """The API with the kiosk extension on a runtime in `data`, served over loopback."""

    def __init__(self, data, printer_port: int):
        self.rt = Runtime(county(printer_port), data)
        start = time.time()
        clock = lambda: MONDAY_9 + (time.time() - start)  # noqa: E731
        self.app = create_app(self.rt, CLERK, clock=clock, kiosk_token=KIOSK)
        self.ext = kiosk_ext.create(context(self.rt, data, app=self.app, clock=clock, printer_poll_seconds=0,
                                            tokens={"kiosk": KIOSK, "clerk": CLERK},
                                            ports={PUSH_HUB: PushHub(self.rt)}))
        self.ext.start()

    def close(self):
        self.ext.stop()
        self.rt.close()


@pytest.fixture
def hall(tmp_path):
    with PrinterEmulator() as emu:
        gw = Gateway(tmp_path, emu.serve_tcp())
        with serving(gw.app) as url, httpx.Client(base_url=url, timeout=WAIT_S) as http, \
                ThreadPoolExecutor(4) as pool:
            yield http, gw.rt, emu, pool
        gw.close()


def take(http, key: str | None = None) -> httpx.Response:
    return http.post("/api/v1/kiosk/tickets", json=BODY, headers={**AS_KIOSK, **({"Idempotency-Key": key} if key else {})})


def at_window(http, action: str, **fields) -> httpx.Response:
    return http.post("/api/v1/windows/1/actions", json={"action": action, **fields}, headers=AS_CLERK)


def at_the_window_desk(http) -> str:
    """A ticket a clerk takes for a citizen at the window (the API), while the kiosk prints."""
    r = http.post("/api/v1/tickets", json=BODY, headers=AS_CLERK)
    assert r.status_code == 201, r.text
    return r.json()["number"]


def printing(emu, pool, http, key=None):
    """A kiosk ticket whose slip is held in the printer: (the hold, the kiosk's answer to come)."""
    hold = emu.hold_next_slip()
    answer = pool.submit(take, http, key)
    assert hold.arrived.wait(WAIT_S), "the slip never reached the printer"
    return hold, answer


def called(rt) -> list[str]:
    with LogReader.open(rt.store.path) as r:
        return [e["number"] for x in r.records_after(0) for e in x["outcome"]["events"] if e["type"] == "ticket_called"]


def test_a_clerk_call_during_a_slow_print_that_fails_takes_the_next_ticket(hall):
    http, rt, emu, pool = hall
    assert at_window(http, "login", staff_code="1001").status_code == 200
    emu.run_out_after(40)  # the roll ends in the middle of the next slip
    hold, answer = printing(emu, pool, http)
    assert rt.read(lambda e: [(t["number"], t["printing"]) for t in e.tickets.values()]) == [("A001", True)]
    desk = at_the_window_desk(http)
    assert desk == "A002"
    # 叫号 while A001's slip is in the printer: A002, the next one that may be called
    r = at_window(http, "call_next")
    assert r.status_code == 200 and r.json()["number"] == "A002", r.text
    for step in ("start", "finish"):
        assert at_window(http, step).status_code == 200
    r = at_window(http, "call_next")
    assert r.status_code == 409 and r.json()["detail"] == \
        "no ticket is waiting for window 1 yet: A001 is still printing at the kiosk"
    hold.release()
    got = answer.result(WAIT_S)
    assert got.status_code == 503, got.text
    a = got.json()
    assert (a["ticket"]["number"], a["printed"], a["on_screen"], a["voided"]) == ("A001", False, False, True)
    assert a["reason"] == "抱歉，打印机缺纸，号票没能打印出来，此号已作废，不会叫到此号，请点“重新取号”"
    assert english_or_iso(a["reason"]) == []
    t = rt.read(lambda e: dict(e.tickets[f"{e.day}-A001"]))
    assert (t["state"], t["outcome"], t["called_at"]) == ("done", "voided", None) and "缺纸" in t["void_reason"]
    assert at_window(http, "call_next").json()["detail"] == "no ticket is waiting for window 1"
    assert called(rt) == ["A002"]  # nobody was ever called for the void ticket
    assert emu.printed == [] and len(emu.tickets) == 1 and emu.tickets[0].torn


def test_a_slow_print_that_succeeds_is_callable_then_in_its_original_order(hall):
    http, rt, emu, pool = hall
    assert at_window(http, "login", staff_code="1001").status_code == 200
    hold, answer = printing(emu, pool, http)
    assert [at_the_window_desk(http) for _ in range(2)] == ["A002", "A003"]
    assert at_window(http, "call_next").json()["number"] == "A002"
    queue = http.get("/api/v1/queue").json()
    zh = next(s for s in queue["services"] if s["code"] == "ZH")
    # waiting in its place (counted, and first in call order) but not callable yet
    assert (zh["waiting"], zh["call_order"], zh["printing"]) == (2, ["A001", "A003"], ["A001"])
    hold.release()
    got = answer.result(WAIT_S)
    assert got.status_code == 201 and got.json()["printed"] is True and got.json()["ticket"]["number"] == "A001"
    assert emu.printed[-1].sized(4) == ["A001"]
    for step in ("start", "finish"):
        assert at_window(http, step).status_code == 200
    assert at_window(http, "call_next").json()["number"] == "A001"  # issued before A003: called before it
    assert called(rt) == ["A002", "A001"]


def test_a_retry_while_the_first_is_still_printing_waits_for_its_answer(hall):
    http, rt, emu, pool = hall
    hold, first = printing(emu, pool, http, KEY)
    again = pool.submit(take, http, KEY)  # the kiosk gave up waiting and asks again, same touch
    once = once_for(rt)
    end = time.monotonic() + WAIT_S
    while once.waiting(KEY) < 2:  # the gateway's own count: the repeat is in, behind the first
        assert time.monotonic() < end and not again.done(), "the repeat did not wait for the first"
        time.sleep(0.01)
    hold.release()
    a, b = first.result(WAIT_S), again.result(WAIT_S)
    assert a.status_code == b.status_code == 201 and a.content == b.content
    assert b.headers["idempotency-replayed"] == "true"
    assert a.json()["ticket"]["number"] == "A001" and a.json()["printed"] is True
    assert len(emu.printed) == 1 and rt.read(lambda e: len(e.tickets)) == 1
    # the answer lost on the way and asked for again later: the same, and still one slip
    late = take(http, KEY)
    assert late.content == a.content and len(emu.printed) == 1
    other = take(http, "6" * 32)  # the next citizen's touch
    assert other.json()["ticket"]["number"] == "A002" and len(emu.printed) == 2


def test_a_ticket_left_printing_at_a_stop_is_voided_and_its_repeat_says_so(hall, tmp_path):
    """The gateway stops while a slip is in the printer: what was on disk then is what it starts
    with. The ticket left printing is voided at the start (whether its slip came out is not
    known), and the kiosk's repeated request is answered with that, never a second ticket."""
    http, rt, emu, pool = hall
    hold, first = printing(emu, pool, http, KEY)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    with sqlite3.connect(rt.store.path) as src, sqlite3.connect(crashed / rt.store.path.name) as dst:
        src.backup(dst)  # the store as a power cut would leave it: the ticket issued, printing
    hold.release()
    first.result(WAIT_S)
    with PrinterEmulator() as emu2:
        gw = Gateway(crashed, emu2.serve_tcp())
        try:
            t = gw.rt.read(lambda e: dict(e.tickets[f"{e.day}-A001"]))
            assert (t["outcome"], t["called_at"]) == ("voided", None) and "未能确认出票" in t["void_reason"]
            with serving(gw.app) as url, httpx.Client(base_url=url, timeout=WAIT_S) as http2:
                again = take(http2, KEY)
                assert again.status_code == 503 and again.json()["voided"] is True
                assert again.json()["ticket"]["number"] == "A001" and "作废" in again.json()["reason"]
                assert gw.rt.read(lambda e: len(e.tickets)) == 1 and emu2.tickets == []
        finally:
            gw.close()

