"""The hall's clock, the shell around gateway/engine/clock.py: the clock every part stamps
commands with (hall_clock.py: the Pi's clock plus a logged offset, never jumping before a step
is logged), the probe that says whether the Pi's clock is synchronized (probe.py: the kernel's
NTP state, chrony, timesyncd, a battery RTC; a file in its place for tests), and the watch that
logs each fact as a `clock` command (watch.py). docs/OPERATING.md "The clock" says what it does."""
