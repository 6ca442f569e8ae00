"""[storage] of the hall file: when the disk under the gateway's data is short of room.

```toml
[storage]
warn_free_mb = 200          # below this much free space the dashboard warns (存储空间不足) and
                            # /healthz says degraded, well before a full disk stops the hall
```
A full disk (a write refused for want of space) is not configured: tickets, logins and every
other write then answer 503 (存储空间已满，请联系管理员) until space is freed (gateway/disk.py).
"""
from __future__ import annotations

from dataclasses import dataclass

KEYS = ("warn_free_mb",)
WARN_MAX_MB = 1024 * 1024  # a terabyte: more than any hall's disk


@dataclass(frozen=True)
class Storage:
    warn_free_mb: int = 200


def read_storage(r, doc: dict) -> Storage:
    t = r.table(doc, "storage", "")
    if not t:
        return Storage()
    r.unknown(t, "storage", KEYS)
    warn = r.integer(t, "warn_free_mb", "storage", default=Storage.warn_free_mb, lo=1, hi=WARN_MAX_MB)
    return Storage(warn_free_mb=warn if isinstance(warn, int) else Storage.warn_free_mb)
