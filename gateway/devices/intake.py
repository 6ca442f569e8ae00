"""Intake of device messages: topic + payload -> a trusted message or a Drop
with the reason. Pure: nothing here touches state, so a bad message can only
ever be logged and dropped."""
from __future__ import annotations

from dataclasses import dataclass

from protocols import events, status, topics

# Which role may send which kind of event: a display never sends, a call pad
# never rates, an evaluator never calls.
EVENT_ROLE = {"action": "callpad", "rating": "evaluator"}


@dataclass(frozen=True)
class Drop:
    reason: str


@dataclass(frozen=True)
class Availability:
    dev: str
    online: bool
    boot: str | None


@dataclass(frozen=True)
class State:
    dev: str
    state: dict


@dataclass(frozen=True)
class Event:
    dev: str
    window: int
    event: dict


def classify(hall_id: str, devices, topic: str, payload: bytes):
    """devices: device id -> config Device (role, window); only these are trusted."""
    try:
        h, dev_id, kind = topics.parse(topic)
    except (ValueError, UnicodeDecodeError) as e:
        return Drop(f"bad topic: {e}")
    if h != hall_id:
        return Drop(f"topic of another hall {h!r}")
    if dev_id is None:
        return Drop("gateway topic is not a device message")
    dev = devices.get(dev_id)
    if dev is None:
        return Drop(f"device {dev_id!r} is not configured in this hall")
    try:
        if kind == topics.AVAILABILITY:
            a = status.decode_availability(payload)
            return Availability(dev_id, a["online"], a.get("boot"))
        if kind == topics.STATE:
            st = status.decode_state(payload)
            if st["dev"] != dev_id:
                return Drop(f"state names device {st['dev']!r} on {dev_id!r}'s topic")
            if st["role"] != dev.role:
                return Drop(f"state says role {st['role']!r}, configured as {dev.role!r}")
            return State(dev_id, st)
        if kind == topics.EVENT:
            e = events.decode(payload)
            if e["dev"] != dev_id:
                return Drop(f"event names device {e['dev']!r} on {dev_id!r}'s topic")
            need = EVENT_ROLE[e["type"]]
            if dev.role != need:
                return Drop(f"a {dev.role} may not send {e['type']} events (only a {need})")
            return Event(dev_id, dev.window, e)
    except ValueError as e:
        return Drop(f"malformed {kind}: {e}")
    return Drop(f"{kind} is not a topic the gateway reads")
