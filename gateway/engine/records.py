"""The typed records the engine's read side returns (gateway/engine/reads.py, which is where the
rest of the gateway takes them from: `reads.Window`, `reads.Ticket`, …).

Frozen dataclasses of copied values, or TypedDicts of fresh dicts where the caller serialises the
dict as it is (the API's answers): a caller cannot change the engine through them. (Not slotted:
reads fills the many-per-read ones, tickets and windows, through their __dict__ in one step.)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from gateway.engine.line import PRIORITY_LANES


@dataclass(frozen=True)
class Window:
    """A window now: who is logged in there (as which post), what it is doing, what it holds."""
    number: int
    status: str  # closed | idle | calling | serving | paused
    staff: str | None
    post: str | None  # "A" or "B" (AB岗); None: a clerk covering without a post here
    ticket: str | None  # the id of the ticket it holds
    ticket_number: str | None
    recalls: int
    since: float | None  # in this status since
    paused_reason: str | None
    until: str | None  # back at (去向留言), as the clerk typed it
    cases: int  # services finished here today
    last_served: str | None  # the ticket finished last, until a rating is asked for it
    prompt: str | None  # the evaluation prompt open at its evaluator
    login_at: float | None


@dataclass(frozen=True)
class Post:
    """Where a clerk is posted now: the window they are logged in at, as its A or B post (AB岗)."""
    staff: str
    window: int
    post: str | None  # None: covering a window that names neither post for them


@dataclass(frozen=True)
class WaitingFor:
    """The line a waiting ticket is in: its service's, or a window's or a clerk's it was transferred to."""
    to: str  # service | window | staff
    key: str | int


@dataclass(frozen=True)
class Ticket:
    id: str
    number: str
    service: str
    lane: str  # normal | green | appointment
    matter: str | None
    project_no: str | None  # 办件编号
    day: str
    state: str  # waiting | called | serving | done
    outcome: str | None  # served | no_show | transferred | cancelled | voided | reset
    window: int | None
    staff: str | None
    issued_at: float
    ready_at: float  # issued, or transferred: its wait counts from here
    called_at: float | None
    started_at: float | None
    finished_at: float | None
    recalls: int
    case_type: str | None
    evaluation: str | None  # requested | rated | not_rated
    level: int | None
    order: int  # issue order: ties in issue time break by it
    printing: bool  # its kiosk slip is printing: waiting in its place, not callable yet
    waiting_for: WaitingFor | None  # while waiting


@dataclass(frozen=True)
class Prompt:
    """An evaluation prompt open at a window's evaluator (请评价)."""
    prompt: str
    window: int
    ticket: str
    number: str
    staff: str | None
    service: str
    requested_at: float
    deadline: float


@dataclass(frozen=True)
class Supplementary:
    """A served ticket's 补充评价 code entry, kept after the ticket leaves at the day's rollover."""
    code: str
    ticket: str
    number: str
    day: str
    service: str
    matter: str | None
    window: int
    staff: str | None
    finished_at: float
    until: float  # the code may rate until then
    rated: str | None  # None | evaluator | supplementary
    level: int | None


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class Content:
    """The evaluation content (差评 reasons) in force: the province's version once downloaded."""
    version: str
    reasons: tuple[Reason, ...]
    source: str  # "hall" (the hall file's list) or the adapter it came from
    versions: tuple[str, ...]  # every version seen, sorted

    def texts(self) -> dict[str, str]:
        return {r.code: r.text for r in self.reasons}


@dataclass(frozen=True)
class LevelMapConfirmation:
    """A supervisor's confirmation of the 好差评 level map (gateway/engine/level_map.py)."""
    map: str  # "1=1,2=2,…": our level = the province's code
    platform: str  # the adapter and address it was confirmed for
    by: str  # staff id
    role: str | None
    at: float


@dataclass(frozen=True)
class QueueLine:
    """A service's waiting tickets in the order a window serving this service alone would call them
    (line.choose: the N:1 ratio, a priority ticket never later than as a normal one)."""
    service: str
    waiting: int  # every waiting ticket of the service, also those transferred to a window or clerk
    tickets: tuple[Ticket, ...]  # the service's own line, in call order

    @property
    def normal(self) -> tuple[Ticket, ...]:
        return tuple(t for t in self.tickets if t.lane not in PRIORITY_LANES)

    @property
    def priority(self) -> tuple[Ticket, ...]:
        return tuple(t for t in self.tickets if t.lane in PRIORITY_LANES)

    @property
    def printing(self) -> tuple[Ticket, ...]:
        """Waiting in their place, not callable yet: their kiosk slips are printing."""
        return tuple(t for t in self.tickets if t.printing)


@dataclass(frozen=True)
class Standing:
    """Where a waiting ticket stands ("前面还有 N 人"), and how many of those ahead were issued after
    it: priority tickets (绿色通道, 预约) and transfers overtake, and the citizen is told so."""
    ahead: int = 0
    later_priority: int = 0
    later_transferred: int = 0


@dataclass(frozen=True)
class ClockState:
    """The hall's clock as the log knows it (gateway/engine/clock.py). synced None: no fact logged
    yet (a gateway run without its clock's watch, e.g. in a test): nothing is said of it."""
    synced: bool | None
    via: str | None  # what keeps it right: timesyncd, chrony, ntp, rtc, simulated
    cause: str | None  # what the last fact was: start, sync, unsync, jump, supervisor, floor
    offset: float  # seconds the hall's clock adds to the Pi's (set by a supervisor)
    since: float | None  # the unsynchronized stretch began then (on the corrected clock)
    confirmed: bool  # believed: synchronized, or set by a supervisor since the stretch began
    by: str | None  # the supervisor who set it last
    at: float | None  # when the last fact was logged
    boot: str | None
    ref: float | None  # the Pi's clock less the time since boot at the last fact (a step shows in it)
    steps: int  # steps logged since the store began
    last_step: dict | None  # {at, step, cause, by}


@dataclass(frozen=True)
class DayStats:
    """The day's figures for the hall as a whole."""
    day: str
    issued: int
    served: int
    no_show: int
    called: int
    wait_s: float  # the calls' waits (from issue or transfer to the call), summed
    levels: dict[str, int]  # the ratings of the day's services by level ("1".."5"): what 满意度 counts

    @property
    def avg_wait_s(self) -> float | None:
        return self.wait_s / self.called if self.called else None


class TicketRecord(TypedDict, total=False):
    """A ticket as the API answers it (tickets.public): no 补充评价 code, no internals."""
    id: str
    number: str
    service: str
    lane: str
    day: str
    state: str
    outcome: str | None
    window: int | None
    staff: str | None
    issued_at: float
    ready_at: float
    called_at: float | None
    started_at: float | None
    finished_at: float | None
    case_type: str | None
    recalls: int
    transfers: list[dict]
    waited_s: float
    order: int
    evaluation: str | None
    level: int | None
    matter: str | None
    project_no: str | None
    waiting_for: dict | None
    void_reason: str  # a voided ticket's only


class AlertRecord(TypedDict, total=False):
    """An active alert: key (kind:subject), kind, since when, and what its kind tells."""
    key: str
    kind: str
    at: float
    active: bool
    window: int
    service: str


class FollowupRecord(TypedDict):
    """A 差评 follow-up item (followup.py) with its history and callbacks."""
    id: str
    prompt: str
    eval_ref: str
    window: int
    ticket: str
    number: str
    staff: str
    service: str
    matter: str | None
    project_no: str | None
    level: int
    reasons: list[str]
    created_at: float
    contact_by: str
    rectify_by: str
    status: str
    request: dict | None
    callbacks: list[dict]
    history: list[dict]
    contact_overdue: bool
    overdue: bool
    closed_at: float | None


class AppointmentRecord(TypedDict):
    id: str
    code: str
    day: str
    start: float
    end: float
    service: str
    matter: str | None
    source: str
    ref: str | None
    name: str | None
    person: str | None
    state: str
    ticket: str | None
    number: str | None
    booked_at: float
    checked_in_at: float | None


RelayRecord = TypedDict("RelayRecord", {
    "relay": str, "to": str, "from": str, "ticket": str, "number": str, "service": str, "matter": str | None,
    "project_no": str | None, "origin_hall": str, "note": str, "window": int | None, "staff": str | None,
    "status": str, "status_cn": str, "sent_at": float, "of": str | None, "result": str | None,
    "result_note": str | None, "answered_at": float | None, "by": str | None}, total=False)
