"""The pure parts: the parent's chain check of a batch, and the sender's cumulative-ack
bookkeeping (window, go-back on a gap or a silence, epochs, backoff)."""
from gateway.mirror import chain, wire
from gateway.outbox.stream import Cumulative, accept
from gateway.store.audit import GENESIS, canonical
from gateway.store.audit import chain as link


def log(n: int, start_prev: str = GENESIS) -> list[tuple[int, str, str, str]]:
    rows, prev = [], start_prev
    for seq in range(1, n + 1):
        rec = canonical({"seq": seq, "cmd": {"type": "tick", "at": seq}, "outcome": {"ok": True, "events": []}})
        h = link(prev, rec)
        rows.append((seq, rec, prev, h))
        prev = h
    return rows


def test_check_takes_what_continues_and_counts_repeats():
    rows = log(6)
    v = chain.check(None, 0, rows[:3], {})
    assert [r[0] for r in v.new] == [1, 2, 3] and all(r[4] for r in v.new) and v.head == 3 and not v.findings
    head = chain.Head(3, rows[2][3], rows[0][3])
    v = chain.check(head, 1, rows[1:5], {2: rows[1][3], 3: rows[2][3]})
    assert v.duplicates == 2 and [r[0] for r in v.new] == [4, 5] and v.head == 5
    assert chain.check(head, 4, rows[4:], {}).gap  # record 4 lost on the way: the sender goes back


def test_check_reports_alterations():
    rows = log(4)
    head = chain.Head(2, rows[1][3], rows[0][3])
    seq, rec, prev, h = rows[2]
    edited = (seq, rec.replace('"at":3', '"at":4'), prev, h)
    v = chain.check(head, 2, [edited, rows[3]], {})
    assert v.findings[0][:2] == (3, "altered") and v.new[0][4] is False and v.head == 4
    rewritten = log(4, start_prev="1" * 64)  # a chain rewritten from the start
    v = chain.check(head, 2, [rewritten[2]], {})
    assert (3, "chain") in [(s, k) for s, k, _ in v.findings]
    v = chain.check(head, 0, [rows[0]], {1: "f" * 64})
    assert v.findings[0][:2] == (1, "differs") and v.duplicates == 1


def test_cumulative_window_gap_and_silence():
    c = Cumulative(acked=10, window=100, ack_timeout=5.0, retry_base=1.0, retry_max=8.0, rnd=lambda: 1.0)
    assert c.may_send(0.0)
    c.sent_to(110, 0.0)
    assert not c.may_send(0.0)  # a window in flight
    assert c.ack(60, c.epoch, False, 1.0) and c.acked == 60 and c.may_send(1.0)
    e = c.epoch
    assert not c.ack(60, e - 1, True, 1.5) and c.sent == 110  # a gap answered to an older epoch: ignored
    c.ack(60, e, True, 2.0)  # a gap in this epoch: back to 60 at once, no backoff
    assert c.sent == 60 and c.epoch == e + 1 and c.may_send(2.0)
    c.sent_to(90, 2.0)
    assert not c.due(6.0) and c.due(7.5)  # five seconds without progress: back, and wait
    assert c.sent == 60 and not c.may_send(7.6) and c.may_send(7.5 + 1.0)
    assert c.ack(200, c.epoch, False, 9.0) and c.sent == 200  # it held more than we knew


def test_receiver_accepts_only_what_continues():
    assert accept(10, 10, 20) == (True, 20)
    assert accept(10, 5, 20) == (True, 20)  # partly seen already
    assert accept(10, 15, 20) == (False, 10)
    assert accept(30, 10, 20) == (True, 30)


def test_wire_refuses_malformed_batches():
    rows = [list(r) for r in log(2)]
    ok = wire.encode("batch", site="v1", tag=rows[0][3], epoch=1, after=0, upto=2, rows=rows)
    assert wire.decode(ok, wire.UP_TYPES)["upto"] == 2
    for bad in (b"{", wire.encode("batch", site="V!", tag=rows[0][3], epoch=1, after=0, upto=2, rows=rows),
                wire.encode("batch", site="v1", tag=rows[0][3], epoch=1, after=1, upto=2, rows=rows),
                wire.encode("batch", site="v1", tag="x", epoch=1, after=0, upto=2, rows=rows),
                wire.encode("nonsense", site="v1")):
        try:
            wire.decode(bad, wire.UP_TYPES)
        except wire.Bad:
            continue
        raise AssertionError(f"accepted {bad[:60]!r}")
