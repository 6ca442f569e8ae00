"""A Pi's clocks for the clock's tests: the wall clock (which NTP, an RTC or `date -s` steps) and
the time since boot (which only counts up), moved by hand; and a probe whose answer is set."""
from gateway.clock.probe import Reading

UNSYNCED = Reading(False, None, "test: not synchronized")
SYNCED = Reading(True, "timesyncd", "test: synchronized")


class PiClock:
    def __init__(self, wall: float, up: float = 100.0):
        self.wall, self.up = wall, up

    def base(self) -> float:
        return self.wall

    def boot(self) -> float:
        return self.up

    def run(self, seconds: float) -> None:
        """Time passes: both clocks move."""
        self.wall += seconds
        self.up += seconds

    def step(self, seconds: float) -> None:
        """The wall clock alone jumps (NTP, an RTC read at last, `date -s`)."""
        self.wall += seconds


class Probe:
    def __init__(self, reading: Reading = UNSYNCED):
        self.reading = reading

    def __call__(self) -> Reading:
        return self.reading
