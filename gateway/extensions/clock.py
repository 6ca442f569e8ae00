"""The hall's clock as a gateway extension (gateway/clock): its watch logs whether the Pi's clock
is synchronized and every step of it, from the start (first in the order, so nothing is served
before the first fact is logged). It PROVIDES the watch as HALL_CLOCK: the dashboard's
"set the clock from this browser" acts through it. The hall clock itself is ctx.clock, made by
`hallgw run` (a plain clock handed in by a test: this extension does not run)."""
from __future__ import annotations

from gateway.extensions.context import Context
from gateway.extensions.ports import HALL_CLOCK

PROVIDES = {HALL_CLOCK: lambda watch: watch}


def create(ctx: Context):
    from gateway.clock.hall_clock import HallClock
    from gateway.clock.probe import chosen
    from gateway.clock.watch import Watch

    if not isinstance(ctx.clock, HallClock):
        return None
    return Watch(ctx.runtime, ctx.clock, chosen(simulated_clock=not ctx.clock.detect))
