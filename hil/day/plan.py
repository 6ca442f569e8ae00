"""The pure plan of a hall day, fixed by a seed before anything runs.

Citizens arrive by a Poisson process whose rate peaks around 9:30 and 14:30
(the morning and afternoon rushes halls report), each for one service and
lane; service times are log-normal (most cases are quick, a few take long).
The runner replays the plan against the real gateway and emulated boards.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from gateway.config.model import Hall

PEAKS = ((9.5, 0.8), (14.5, 0.9))  # (hour of day, spread in hours)
GREEN_SHARE = 0.08  # elderly, disabled, pregnant, military families ...
APPOINTMENT_SHARE = 0.10
RATING_SHARE = 0.85  # citizens who press a key when prompted
LEVEL_WEIGHTS = ((5, 78), (4, 14), (3, 5), (2, 2), (1, 1))  # 非常满意 .. 非常不满意
FAULT_KINDS = ("gateway_kill", "broker_restart", "power_cycle", "wifi_loss", "duplicate")


@dataclass(frozen=True)
class Arrival:
    at: float  # seconds since the day's opening
    service: str
    lane: str
    service_seconds: float
    no_show: bool
    transfer_to: str | None  # a service code when the clerk will transfer this ticket
    rating: int | None  # level the citizen will press, None: walks away without rating
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Fault:
    at: float
    kind: str
    target: str | None  # device id for device faults


@dataclass
class DayPlan:
    date: dt.date
    opening: float  # seconds after midnight when the simulated day starts
    hours: float
    arrivals: list[Arrival] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    pauses: list[tuple[float, int, str, float]] = field(default_factory=list)  # (at, window, reason, seconds)


def rate_per_hour(hour: float, base: float) -> float:
    """Arrivals per hour at a time of day: a floor plus the two rush-hour bumps."""
    bump = sum(math.exp(-((hour - h) ** 2) / (2 * s * s)) for h, s in PEAKS)
    return base * (0.35 + bump)


def plan_day(hall: Hall, date: dt.date, hours: float, seed: int = 1, faults: bool = False,
             start_hour: float = 9.0, load: float = 1.0) -> DayPlan:
    rng = random.Random(seed)
    services = [s.code for s in hall.services]
    # Demand follows supply: a service many windows serve gets more citizens.
    weight = {c: 1 + sum(c in w.services for w in hall.windows) for c in services}
    base = load * 6.0 * len(hall.windows)  # a window serves ~6-8 citizens an hour
    peak = max(rate_per_hour(h / 10, base) for h in range(0, 240))
    plan = DayPlan(date=date, opening=start_hour * 3600, hours=hours)
    t = 0.0
    end = hours * 3600
    codes = [r.code for r in hall.evaluation.reasons]
    while True:
        t += rng.expovariate(peak / 3600)  # thinning: candidate at the peak rate
        if t >= end:
            break
        hour = start_hour + t / 3600
        if rng.random() > rate_per_hour(hour, base) / peak:
            continue
        svc = rng.choices(services, [weight[c] for c in services])[0]
        u = rng.random()
        lane = "green" if u < GREEN_SHARE else "appointment" if u < GREEN_SHARE + APPOINTMENT_SHARE else "normal"
        level = rng.choices([lv for lv, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS])[0]
        rated = rng.random() < RATING_SHARE
        reasons = tuple(rng.sample(codes, k=min(len(codes), rng.randint(1, 2)))) if rated and level <= 2 else ()
        others = [c for c in services if c != svc]
        plan.arrivals.append(Arrival(
            at=t, service=svc, lane=lane,
            service_seconds=min(3600.0, rng.lognormvariate(math.log(360), 0.6)),
            no_show=rng.random() < 0.03,
            transfer_to=rng.choice(others) if others and rng.random() < 0.03 else None,
            rating=level if rated else None, reasons=reasons))
    reasons = hall.queue.pause_reasons
    for w in hall.windows:
        if rng.random() < 0.4:
            plan.pauses.append((rng.uniform(0.1, 0.9) * end, w.number, rng.choice(reasons),
                                rng.uniform(120, 900)))
    plan.pauses.sort()
    if faults:
        devices = [d.id for d in hall.devices]
        # Every kind at least once, spread over the middle of the day.
        kinds = list(FAULT_KINDS) + [rng.choice(FAULT_KINDS) for _ in range(3)]
        for i, kind in enumerate(kinds):
            at = end * (0.15 + 0.7 * (i + rng.random()) / len(kinds))
            target = rng.choice(devices) if kind in ("power_cycle", "wifi_loss", "duplicate") else None
            plan.faults.append(Fault(at=at, kind=kind, target=target))
        plan.faults.sort(key=lambda f: f.at)
    return plan
