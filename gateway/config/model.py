"""The validated hall configuration as plain frozen data."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TIERS = ("county", "township", "village")
WINDOW_TYPES = ("comprehensive", "dedicated", "tidal", "enquiry", "help-and-proxy", "complaints")
ROLES = ("callpad", "evaluator", "display")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANES = ("normal", "green", "appointment")


@dataclass(frozen=True)
class Matter:
    code: str  # 事项编码
    name: str


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    prefix: str  # ticket prefix: A -> A001
    department: str
    matters: tuple[Matter, ...]


@dataclass(frozen=True)
class Panel:
    width: int
    height: int


@dataclass(frozen=True)
class Window:
    number: int
    display_text: str
    type: str
    services: tuple[str, ...]  # service codes, in order of preference
    panel: Panel
    post_a: str | None = None  # staff ids of the A and B posts (AB岗)
    post_b: str | None = None


@dataclass(frozen=True)
class Device:
    id: str
    role: str
    window: int


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    login_code: str


Session = tuple[dt.time, dt.time]


@dataclass(frozen=True)
class Hours:
    weekly: dict[str, tuple[Session, ...]]  # weekday -> sessions
    lunch_service: bool  # 午间不间断服务: the gap between sessions stays open
    extended: dict[str, tuple[Session, ...]]  # weekday -> extra sessions (延时服务)
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # 调休: weekend days that are working days
    appointment_weekends: bool


@dataclass(frozen=True)
class Queue:
    normal_per_priority: int  # interleave: N normal tickets, then 1 priority
    recall_limit: int
    keep_open_overnight: bool
    issue_outside_hours: bool
    pause_reasons: tuple[str, ...]
    service_day_start: dt.time


@dataclass(frozen=True)
class Thresholds:
    max_wait_minutes: int
    daily_cases_per_comprehensive_window: int
    satisfaction_percent: float
    empty_post_minutes: int


@dataclass(frozen=True)
class BadReason:
    code: str
    text: str


@dataclass(frozen=True)
class Evaluation:
    prompt_timeout_seconds: int
    contact_working_days: int
    rectify_working_days: int
    reasons_version: str
    reasons: tuple[BadReason, ...]


@dataclass(frozen=True)
class Upstream:
    enabled: bool
    url: str
    channel: str
    batch_size: int
    interval_seconds: int


@dataclass(frozen=True)
class Audio:
    enabled: bool
    voice_pack: str
    template: str
    second_template: str | None
    second_voice_pack: str | None
    repeat: int
    chime: bool
    quiet_hours: tuple[Session, ...]
    volume: tuple[tuple[dt.time, int], ...]  # (from, percent) steps over the day
    backend: str


@dataclass(frozen=True)
class Broker:
    embedded: bool
    host: str
    port: int


@dataclass(frozen=True)
class Hall:
    source: str
    id: str
    name: str
    tier: str
    region_code: str
    timezone: str
    services: tuple[Service, ...]
    windows: tuple[Window, ...]
    devices: tuple[Device, ...]
    staff: tuple[Staff, ...]
    hours: Hours
    queue: Queue
    thresholds: Thresholds
    evaluation: Evaluation
    upstream: Upstream
    audio: Audio
    broker: Broker
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def service(self, code: str) -> Service:
        return self._by("service", self.services, "code")[code]

    def window(self, number: int) -> Window:
        return self._by("window", self.windows, "number")[number]

    def device(self, device_id: str) -> Device:
        return self._by("device", self.devices, "id")[device_id]

    def staff_member(self, staff_id: str) -> Staff:
        return self._by("staff", self.staff, "id")[staff_id]

    def devices_of(self, window: int) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.window == window)

    def _by(self, name, items, key):
        if name not in self._index:
            self._index[name] = {getattr(i, key): i for i in items}
        return self._index[name]
