"""The pages' push hub over a real runtime and store (no browser, no sockets)."""
import asyncio
import threading
import time

from gateway.pages.push import Closed, Dropped, PushHub
from gateway.runtime import Runtime
from tests.support.hallday import MONDAY_9, hall


def numbers(u):
    return [e["number"] for e in u.events if e["type"] == "ticket_issued"]


def issue(rt, n=1, at=MONDAY_9):
    for i in range(n):
        assert rt.submit({"type": "issue_ticket", "at": at + i, "service": "ZH"}).ok


def test_updates_carry_the_store_seq_in_commit_order(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt)
    sub = hub.subscribe()
    issue(rt, 3)
    got = [sub.get(1) for _ in range(3)]
    assert [u.seq for u in got] == [1, 2, 3] == sorted({u.seq for u in got})
    assert [numbers(u) for u in got] == [["A001"], ["A002"], ["A003"]]
    assert sub.get(0.01) is None  # nothing more: a timeout, not an error
    assert hub.last_seq == rt.store.seq == 3
    rt.close()


def test_seq_is_persistent_across_a_restart(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    issue(rt, 2)
    rt.close()
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt)
    sub = hub.subscribe()
    issue(rt, 1, MONDAY_9 + 10)
    assert sub.get(1).seq == 3  # numbering goes on from the store, not from 1
    assert hub.since(0) is None  # from before this hub: only a snapshot can tell
    assert [u.seq for u in hub.since(2)] == [3] and hub.since(3) == []
    rt.close()


def test_snapshot_then_updates_miss_nothing_and_repeat_nothing(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt)
    issue(rt, 2)
    sub = hub.subscribe()  # subscribe first, then snapshot: the order a page must use
    issue(rt, 1, MONDAY_9 + 5)
    seq, waiting = hub.snapshot(lambda eng: eng.line.waiting["ZH"])
    issue(rt, 1, MONDAY_9 + 6)
    after = [u for u in iter(lambda: sub.get(0.01), None) if u.seq > seq]
    assert (seq, waiting) == (3, 3)
    assert [numbers(u) for u in after] == [["A004"]]
    rt.close()


def test_a_slow_subscriber_is_dropped_and_the_others_are_not_held(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt, queue=4)
    slow, fast = hub.subscribe(), hub.subscribe(maxsize=1000)
    seen = []
    stop = threading.Event()

    def read_fast():
        while not stop.is_set():
            u = fast.get(0.05)
            if u:
                seen.append(u.seq)
    t = threading.Thread(target=read_fast)
    t.start()
    for i in range(40):  # a runtime waiting on the slow reader would hang here (the test's timeout)
        issue(rt, 1, MONDAY_9 + i)
    for _ in range(100):
        if len(seen) == 40:
            break
        time.sleep(0.02)
    stop.set()
    t.join()
    assert seen == list(range(1, 41))
    try:
        slow.get(0)
        raise AssertionError("the slow subscriber should have been dropped")
    except Dropped:
        pass
    assert hub.subscribers() == 1 and slow.pending() == 0  # it holds no memory any more
    rt.close()


def test_a_filter_gives_one_window_only(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt)

    def window(n):
        def select(u):
            mine = tuple(e for e in u.events if e.get("window") == n)
            return type(u)(u.seq, mine) if mine else None
        return select
    w1 = hub.subscribe(window(1))
    issue(rt, 1)
    assert rt.submit({"type": "login", "at": MONDAY_9 + 10, "window": 1, "staff_code": "1001"}).ok
    assert rt.submit({"type": "call_next", "at": MONDAY_9 + 11, "window": 1}).ok
    got = [e["type"] for u in iter(lambda: w1.get(0.01), None) for e in u.events]
    assert "ticket_called" in got and "ticket_issued" not in got
    rt.close()


def test_fold_state_is_consistent_with_snapshots(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt)
    hub.keep("issued", 0, lambda n, u: n + sum(e["type"] == "ticket_issued" for e in u.events))
    issue(rt, 5)
    seq, (n, waiting) = hub.snapshot(lambda eng: (hub.state("issued"), eng.line.waiting["ZH"]))
    assert (seq, n, waiting) == (5, 5, 5)
    rt.close()


def test_asyncio_subscribers_are_woken_from_the_committing_thread(tmp_path):
    rt = Runtime(hall("county"), tmp_path)
    hub = PushHub(rt)

    async def main():
        subs = [hub.subscribe() for _ in range(100)]  # a hundred screens on one loop
        loop = asyncio.get_running_loop()
        waits = [asyncio.ensure_future(s.next(5)) for s in subs]
        await asyncio.sleep(0.05)
        await loop.run_in_executor(None, issue, rt, 1)
        got = await asyncio.gather(*waits)
        assert {u.seq for u in got} == {1}
        assert await subs[0].next(0.01) is None
        hub.stop()
        try:
            await subs[0].next(1)
            raise AssertionError("a stopped hub ends its subscriptions")
        except Closed:
            pass
    asyncio.run(main())
    issue(rt, 1, MONDAY_9 + 3)  # after stop: the runtime's callback is a no-op
    rt.close()


def test_streams_of_one_feed_build_each_update_once(tmp_path):
    """A hundred screens: the picture is built and encoded once per commit, and every
    stream still gets every update (none skipped, the same bytes), also when all the
    streams wake at once, as they do on one event loop."""
    from gateway.pages import sse

    rt = Runtime(hall(), tmp_path)
    hub = PushHub(rt)
    built = []

    def view():
        built.append(rt.store.seq)
        return rt.store.seq, {"seq_seen": rt.store.seq}

    closing = threading.Event()
    latest = sse.Latest()

    async def main():
        gens = [sse.stream(hub.subscribe(), view, dict, closing, every=0.05, latest=latest) for _ in range(20)]
        for g in gens:
            await g.__anext__()  # retry:
            await g.__anext__()  # the snapshot (built per stream: it says what that screen missed)
        before = len(built)
        await asyncio.to_thread(issue, rt, 1)
        got = await asyncio.gather(*(g.__anext__() for g in gens))
        for g in gens:
            await g.aclose()
        return before, got

    before, got = asyncio.run(main())
    assert len(built) - before == 1 and len(set(got)) == 1 and b"event: update" in got[0]
    rt.close()


def test_a_rendered_update_is_built_at_the_commit_and_streams_send_it_as_built(tmp_path):
    """hub.render: built under the runtime lock at each commit its filter passes (none when it
    returns None), so the streams of a feed send those bytes without building anything."""
    from gateway.pages import sse

    rt = Runtime(hall(), tmp_path)
    hub = PushHub(rt)
    watching = []
    renders = []

    def render(eng, upd):
        renders.append(upd.seq)
        if not watching:
            return None  # nobody watching: nothing kept
        return sse.event("update", {"waiting": eng.line.waiting["ZH"]}, upd.seq)

    hub.render("picture", lambda u: u if numbers(u) else None, render)
    issue(rt, 1)
    assert hub.rendered("picture") is None and renders == [1]
    assert rt.submit({"type": "login", "at": MONDAY_9 + 1, "window": 1, "staff_code": "1001"}).ok
    assert renders == [1]  # a commit the filter skips: nothing rendered
    watching.append(1)
    built = []

    def view():
        built.append(rt.store.seq)
        return rt.store.seq, {}

    latest = sse.Latest(lambda: hub.rendered("picture"))

    async def main():
        g = sse.stream(hub.subscribe(), view, dict, threading.Event(), every=0.05, latest=latest)
        await g.__anext__()
        await g.__anext__()  # the snapshot: built for this stream
        await asyncio.to_thread(issue, rt, 1, MONDAY_9 + 2)
        got = await g.__anext__()
        await g.aclose()
        return got

    got = asyncio.run(main())
    seq, data = hub.rendered("picture")
    assert (seq, renders) == (3, [1, 3])
    assert got == data and b'"waiting":2' in data
    assert built == [2]  # only the snapshot was built by the stream itself
    rt.close()
