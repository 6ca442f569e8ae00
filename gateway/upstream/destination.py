"""The province as an outbox destination: which committed events become provincial
records (ratings; follow-up transitions where the adapter takes them), and how one
is sent. Records are built at send time from the log and the hall file, never stored."""
from __future__ import annotations

from gateway.config.model import Hall
from gateway.outbox import DEAD, Item, Result
from gateway.upstream import record as rd
from gateway.upstream.clock_facts import ClockFacts

NAME = "province"
FOLLOWUP_EVENTS = ("followup_created", "followup_changed", "followup_overdue")


def tag_of(db) -> str:
    """The store's tag in eval_ids (rd.store_tag of its first record's hash), read-only."""
    from gateway.store import LogReader
    with LogReader.open(db) as log:
        return rd.store_tag(log.first_hash())


class Province:
    name = NAME

    def __init__(self, hall: Hall, adapter, tag_of, log=None):
        self.hall, self.adapter = hall, adapter
        self._tag_of = tag_of  # () -> the store's tag (its first record's hash)
        self._tag: str | None = None
        # the log on the outbox's connection: the hall clock's facts (None: records go as stamped)
        self.clock = None if log is None else ClockFacts(log, hall)
        self.followups = hall.upstream.followups and adapter.supports_followups

    @property
    def tag(self) -> str:
        if self._tag is None:
            self._tag = rd.store_tag(self._tag_of())
        return self._tag

    def _items(self, rec: dict):
        for i, ev in enumerate(rec["outcome"].get("events") or ()):
            if ev["type"] == "rating_recorded":
                yield rd.eval_id(self.hall.id, self.tag, ev["prompt"]), "rating", ev
            elif self.followups and ev["type"] in FOLLOWUP_EVENTS:
                # Known by its rating, the follow-up and where it sits in the log.
                key = f"{rd.eval_id(self.hall.id, self.tag, ev['prompt'])}#{ev['id']}@{rec['seq']}.{i}"
                yield key, "followup", ev

    def derive(self, rec: dict) -> list[tuple[str, str]]:
        out = []
        for key, kind, ev in self._items(rec):
            if kind == "followup" and rd.followup(self.hall, ev, self.tag) is None:
                continue  # a review request stays in the hall
            out.append((key, kind))
        return out

    def waits(self, item: Item, state_of) -> str | None:
        """A follow-up goes only after its rating: the platform knows no follow-up of a
        rating it has not got (one in dead letter holds its follow-ups until retried). A record
        stamped while the hall clock was not confirmed waits until it is (its times are then
        corrected)."""
        if self.clock is not None:
            rec = self.clock.log.record(item.seq)
            ev = self.event_of(item, rec) if rec is not None else None
            if ev is not None and ev.get("clock") == "unconfirmed" and not self.clock.confirmed_after(item.seq):
                return "waits for the hall clock to be synchronized or set (时钟未同步)"
        if item.kind != "followup":
            return None
        rating = item.key.split("#", 1)[0]
        state = state_of(rating)
        return None if state in ("delivered", None) else f"waits for its rating {rating} ({state})"

    def event_of(self, item: Item, rec: dict) -> dict | None:
        return next((ev for key, _, ev in self._items(rec) if key == item.key), None)

    def _event(self, item: Item, rec: dict) -> dict | None:
        """The item's event, its times corrected by the clock's later steps."""
        ev = self.event_of(item, rec)
        return ev if ev is None or self.clock is None else self.clock.corrected(item.seq, ev)

    def build(self, item: Item, rec: dict) -> dict:
        ev = self._event(item, rec)
        if ev is None:
            raise rd.RecordError(f"record {item.seq} holds no event for {item.key}")
        if item.kind == "rating":
            return rd.rating(self.hall, ev, self.tag)
        fu = rd.followup(self.hall, ev, self.tag)
        if fu is None:
            raise rd.RecordError(f"{item.key} is not a follow-up the province takes")
        return fu

    def deliver(self, item: Item, rec: dict) -> Result:
        try:
            body = self.build(item, rec)
        except rd.RecordError as e:
            return Result(DEAD, f"cannot build the record: {e}")
        if item.kind == "followup":
            return self.adapter.send_followup(body)
        if self.adapter.name == "zj-form":
            ev = self._event(item, rec)
            accept = rd.local_time(self.hall, ev.get("finished_at") or ev["at"])
            return self.adapter.send_rating(body, {"case_type": ev.get("case_type"), "accept_date": accept})
        return self.adapter.send_rating(body)
