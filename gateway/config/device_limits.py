"""[device_limits] of the hall file: each device's budget of MQTT messages (gateway/devices/budget.py).

```toml
[device_limits]
messages_per_second = 10  # what a device may send, sustained (events, state reports, availability)
burst = 100               # what it may send at once above that: a clerk's quick keys, a reconnect's backlog
calm_seconds = 10         # nothing dropped for this long: the device's alert ends
```
A device past its budget has the excess dropped before the engine and counted; the
dashboard names it. The burst must stay above what a clerk can press: a fast finger taps
6-7 times a second, a firmware call pad pressed as fast as its keys go (60 ms down, past its
40 ms debounce) sends 7.5 events a second, and each press costs the pad two messages
(the event, then its state report of the desired state it applied): tests/devices/
test_quick_keys.py measures it. The defaults take 40 such presses in a row with room to
spare; the smallest burst allowed, 20 presses. Ids that are not in the hall file share one
budget of these sizes.
"""
from __future__ import annotations

from dataclasses import dataclass

KEYS = ("messages_per_second", "burst", "calm_seconds")
MIN_BURST = 40  # below it a clerk's quick keys on a call pad could be dropped (20 presses, 2 messages each)


@dataclass(frozen=True)
class DeviceLimits:
    messages_per_second: float = 10.0  # 5 presses a second, sustained (2 messages each)
    burst: int = 100
    calm_seconds: float = 10.0


def read_device_limits(r, doc: dict) -> DeviceLimits:
    t = r.table(doc, "device_limits", "")
    if not t:
        return DeviceLimits()
    r.unknown(t, "device_limits", KEYS)
    d = DeviceLimits()
    rate = r.number(t, "messages_per_second", "device_limits", default=d.messages_per_second, lo=0.1, hi=1000)
    burst = r.integer(t, "burst", "device_limits", default=d.burst, hi=100000)
    if isinstance(burst, int) and not isinstance(burst, bool) and burst < MIN_BURST:
        r.error("device_limits.burst", f"{burst} is below {MIN_BURST}: a clerk pressing keys quickly on a call pad "
                                       "would have presses dropped")
    calm = r.number(t, "calm_seconds", "device_limits", default=d.calm_seconds, lo=1, hi=3600)
    # With an error above the hall is not built: what is returned then is never used.
    num = (int, float)
    return DeviceLimits(messages_per_second=float(rate) if isinstance(rate, num) else rate, burst=burst,
                        calm_seconds=float(calm) if isinstance(calm, num) else calm)
