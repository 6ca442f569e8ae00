"""The outbox over a real store: items derived from committed records with the cursor
in one transaction, delivered in log order, backed off, dead-lettered and retried."""

from gateway.outbox import ACCEPTED, DEAD, DUPLICATE, RETRY, Outbox, OutboxStore, Result, backoff, status
from gateway.outbox.store import connect
from gateway.runtime import DB_NAME, Runtime
from tests.support.hallday import MONDAY_9, hall


class Tickets:
    """A destination that wants every issued ticket; answers from a script."""
    name = "test"

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.sent: list[str] = []

    def derive(self, rec):
        return [(e["id"], "ticket") for e in rec["outcome"]["events"] if e["type"] == "ticket_issued"]

    def deliver(self, item, rec):
        self.sent.append(item.key)
        return self.answers.pop(0) if self.answers else Result(ACCEPTED)


def issue(rt, n, t0=MONDAY_9):
    for i in range(n):
        assert rt.submit({"type": "issue_ticket", "at": t0 + i, "service": "ZH"}).ok


def test_items_in_log_order_once_each_across_a_restart(tmp_path):
    rt = Runtime(hall(), tmp_path)
    issue(rt, 3)
    dest = Tickets([Result(ACCEPTED), Result(DUPLICATE, "重复值"), Result(RETRY, "503")])
    ob, store = Outbox(tmp_path / DB_NAME, dest, retry_base=0.01, retry_max=0.02), OutboxStore(tmp_path / DB_NAME,
                                                                                             "test")
    ob.step(store)
    assert dest.sent == ["2026-11-23-A001", "2026-11-23-A002", "2026-11-23-A003"]
    st = status(store.conn, "test")
    assert (st["delivered"], st["pending"], st["dead_letter"], st["cursor"]) == (2, 1, 0, 3)
    assert st["last_error"] == "503" and ob.failures == 1
    issue(rt, 1, MONDAY_9 + 100)
    store.close()
    # a new gateway: the cursor and the item states are in the store, nothing is derived twice
    dest2 = Tickets()
    ob2, store2 = Outbox(tmp_path / DB_NAME, dest2), OutboxStore(tmp_path / DB_NAME, "test")
    ob2.step(store2)
    assert dest2.sent == ["2026-11-23-A003", "2026-11-23-A004"]
    assert status(store2.conn, "test")["delivered"] == 4
    ob2.step(store2)
    assert dest2.sent == ["2026-11-23-A003", "2026-11-23-A004"]
    rt.close()


def test_dead_letter_goes_on_with_the_next_and_is_retried_on_request(tmp_path):
    rt = Runtime(hall(), tmp_path)
    issue(rt, 3)
    dest = Tickets([Result(ACCEPTED), Result(DEAD, "400 bad dept_code"), Result(ACCEPTED)])
    ob, store = Outbox(tmp_path / DB_NAME, dest), OutboxStore(tmp_path / DB_NAME, "test")
    ob.step(store)
    st = status(store.conn, "test")
    assert (st["delivered"], st["dead_letter"], st["last_error"]) == (2, 1, "400 bad dept_code")
    assert store.item("2026-11-23-A002").state == "dead"
    assert store.retry("2026-11-23-A001") == 0  # delivered: not in dead letter
    assert store.retry("2026-11-23-A002") == 1
    ob.step(store)
    assert dest.sent[-1] == "2026-11-23-A002" and status(store.conn, "test")["dead_letter"] == 0
    assert store.item("2026-11-23-A002").attempts == 2
    rt.close()


def test_a_held_destination_derives_but_sends_nothing(tmp_path):
    rt = Runtime(hall(), tmp_path)
    issue(rt, 2)
    dest = Tickets()
    ob, store = Outbox(tmp_path / DB_NAME, dest), OutboxStore(tmp_path / DB_NAME, "test")
    ob.hold("level map runs the wrong way")
    ob.step(store)
    st = status(connect(tmp_path / DB_NAME, readonly=True), "test")
    assert (dest.sent, st["pending"], st["held"]) == ([], 2, "level map runs the wrong way")
    ob.hold(None)
    ob.step(store)
    assert len(dest.sent) == 2
    rt.close()


def test_backoff_grows_to_its_cap_with_jitter_below_it():
    assert backoff(1, 0.5, 300, lambda: 1.0) == 0.5
    assert backoff(4, 0.5, 300, lambda: 1.0) == 4.0
    assert backoff(40, 0.5, 300, lambda: 1.0) == 300
    assert backoff(40, 0.5, 300, lambda: 0.0) == 150
