"""Every configured device and what it last told us about itself.

Only devices in the hall file exist here; a message from any other id is
refused by the intake before it reaches the registry."""
from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from gateway.config import Hall


@dataclass
class DeviceRecord:
    id: str
    role: str
    window: int
    online: bool = False
    boot: str | None = None
    firmware: str | None = None
    last_seen: float | None = None  # epoch seconds of the last message from it
    rssi: int | None = None
    heap: int | None = None
    rev: int | None = None  # desired-state rev the device says it applied
    uptime: int | None = None
    queued: int | None = None  # events still in its flash queue
    pm: str | None = None  # its Wi-Fi power save (protocols.status.POWER_SAVE); None: not reported


class Registry:
    def __init__(self, hall: Hall):
        self._lock = threading.Lock()
        self._devices = {d.id: DeviceRecord(d.id, d.role, d.window) for d in hall.devices}

    def get(self, device_id: str) -> DeviceRecord | None:
        return self._devices.get(device_id)

    def seen(self, device_id: str, at: float) -> None:
        with self._lock:
            self._devices[device_id].last_seen = at

    def availability(self, device_id: str, online: bool, boot: str | None, at: float) -> None:
        with self._lock:
            rec = self._devices[device_id]
            rec.online = online
            if boot:
                rec.boot = boot
            rec.last_seen = at

    def state(self, device_id: str, st: dict, at: float) -> None:
        with self._lock:
            rec = self._devices[device_id]
            rec.boot = st["boot"]
            rec.firmware = st["fw"]
            rec.rev = st["rev"]
            rec.uptime = st["uptime"]
            # Signal and heap only when reported: an old value is better than none.
            for k in ("rssi", "heap", "queued"):
                if k in st:
                    setattr(rec, k, st[k])
            # Power save is the running firmware's: one that does not report it says nothing of it.
            rec.pm = st.get("pm")
            rec.last_seen = at

    def listing(self) -> list[dict]:
        with self._lock:
            return [asdict(r) for r in sorted(self._devices.values(), key=lambda r: (r.window, r.role, r.id))]
