"""The outbox: the command log read from a cursor per destination, items derived from
committed records, delivered until the receiver acknowledges them. Generic: the
provincial 好差评 adapter and the mirror to the parent tier both ride on it."""
from gateway.outbox.store import Item, OutboxStore, items, status
from gateway.outbox.worker import ACCEPTED, DEAD, DUPLICATE, RETRY, Destination, Outbox, Result, backoff

__all__ = ["ACCEPTED", "DEAD", "DUPLICATE", "RETRY", "Destination", "Item", "Outbox", "OutboxStore", "Result",
           "backoff", "items", "status"]
