"""[appointments] of the hall file: when an appointment (预约) can be checked in.

```toml
[appointments]
early_minutes = 30    # check-in opens this long before the slot starts
late_minutes = 15     # ... and closes this long after the slot ends; later, the appointment is a no-show
```
Whether appointments may fall on a weekend the hall opens is [hours] appointment_weekends.
"""
from __future__ import annotations

from dataclasses import dataclass

KEYS = ("early_minutes", "late_minutes")


@dataclass(frozen=True)
class Appointments:
    early_minutes: int = 30
    late_minutes: int = 15


def read_appointments(r, doc: dict) -> Appointments:
    t = r.table(doc, "appointments", "")
    if not t:
        return Appointments()
    r.unknown(t, "appointments", KEYS)
    d = Appointments()
    return Appointments(early_minutes=r.integer(t, "early_minutes", "appointments", default=d.early_minutes,
                                                lo=0, hi=240),
                        late_minutes=r.integer(t, "late_minutes", "appointments", default=d.late_minutes,
                                               lo=0, hi=240))
