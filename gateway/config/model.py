"""The validated hall configuration as plain frozen data."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gateway.config.appointments import Appointments
from gateway.config.device_limits import DeviceLimits
from gateway.config.kiosk import Kiosk
from gateway.config.logins import Logins
from gateway.config.mirror import Mirror, Parent
from gateway.config.storage import Storage

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
    dept_code: str = ""  # the department's code in the provincial catalogue (好差评 records)


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
    # A battery-powered device may let its radio sleep between the access point's beacons:
    # every message to it then waits up to a DTIM period (100-300 ms). Mains devices stay awake.
    wifi_power_save: bool = False


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    login_code: str | None = None  # in the file until the first start; the store keeps it hashed then
    supervisor: bool = False  # may sign in on the dashboard and act on 差评 follow-ups (four eyes)


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
    supplementary_days: int = 7  # 补充评价: a citizen who did not rate may rate within this many days


ADAPTERS = ("hcp-json", "zj-form")  # one module each in gateway/upstream/
LEVEL_NAMES = ("非常不满意", "不满意", "基本满意", "满意", "非常满意")  # our levels 1..5


@dataclass(frozen=True)
class Upstream:
    """The provincial 好差评 platform: which adapter, where, and the mapping tables."""
    enabled: bool
    adapter: str  # "hcp-json" | "zj-form"
    url: str
    app_key: str
    secret_file: str  # absolute, resolved against the hall file's folder; the secret never sits in the hall file
    sm4: bool
    channel: str  # channel (pf) code of a rating on the window's evaluator
    supplementary_channel: str  # channel code of a 补充评价 by the ticket's code
    level_map: dict[int, str]  # our level 1 (非常不满意) .. 5 (非常满意) -> the province's code
    reason_map: dict[str, str]  # the hall file's fallback reason codes -> the province's codes
    area_code: str
    timeout_seconds: float
    retry_max_seconds: float
    content_refresh_hours: float
    followups: bool  # report 差评 follow-up transitions where the adapter can


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
    # TLS for the devices (gateway/broker/certs.py): its port (0: none), whether the plain port
    # stays open beyond this machine, and the names the server certificate carries besides the
    # listener's address (a device checks one of them).
    tls_port: int = 8883
    plain: bool = True
    tls_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Screen:
    """[screen]: what the hall screen (电子显示屏) posts besides the calls (000 §7, 002 §4)."""
    notices: tuple[str, ...] = ()  # 公告: scrolled in the band
    rules: tuple[str, ...] = ()  # 服务制度, e.g. 一次告知、首问负责、限时办结
    chime: bool = False  # a short tone on the screen at a new call (the broadcast has its own)


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
    screen: Screen = field(default_factory=Screen)
    kiosk: Kiosk = field(default_factory=Kiosk)
    parent: Parent | None = None  # [parent]: where this hall ships its records (None: top of the tiers)
    mirror: Mirror = field(default_factory=Mirror)  # [mirror]: the children that ship to this hall
    logins: Logins = field(default_factory=Logins)  # [logins]: wrong login codes lock a window's login
    appointments: Appointments = field(default_factory=Appointments)  # [appointments]: check-in times
    device_limits: DeviceLimits = field(default_factory=DeviceLimits)  # [device_limits]: each device's budget
    storage: Storage = field(default_factory=Storage)  # [storage]: the free space the dashboard warns below
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
