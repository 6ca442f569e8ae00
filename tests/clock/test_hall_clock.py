"""The hall clock never jumps before the jump is logged: a step of the Pi's clock is held back,
readings go on from where they were, and only a committed fact moves them."""
from gateway.clock.hall_clock import HallClock
from tests.clock.fakes import PiClock


def test_a_jump_is_held_back_until_it_is_logged():
    pi = PiClock(1_000_000.0)
    clock = HallClock(pi.base, pi.boot)
    assert clock() == 1_000_000.0
    pi.run(10)
    assert clock() == 1_000_010.0
    pi.step(62_400)  # NTP steps the Pi's clock
    assert clock() == 1_000_010.0 and clock.jumped.is_set()
    pi.run(5)
    assert clock() == 1_000_015.0  # the old timeline goes on, at the right rate
    offset, pending, _ = clock.held()
    assert (offset, pending) == (0.0, 62_400)
    clock.logged(0.0, pending)  # the step is committed: the hall clock moves
    assert clock() == 1_000_015.0 + 62_400 and not clock.jumped.is_set()


def test_small_differences_are_no_jump():
    pi = PiClock(1_000_000.0)
    clock = HallClock(pi.base, pi.boot)
    pi.step(1.5)  # below STEP_S: NTP slews such errors, the log's clamp takes a stamp a little back
    assert clock() == 1_000_001.5 and not clock.jumped.is_set()


def test_an_offset_in_force_and_a_jump_while_the_gateway_was_stopped():
    pi = PiClock(1_000_000.0)
    first = HallClock(pi.base, pi.boot)
    _, _, ref = first.held()
    pi.run(60)
    pi.step(3_600)  # stepped while the gateway was stopped (same boot)
    again = HallClock(pi.base, pi.boot)
    again.resume(offset=120.0, ref=ref, same_boot=True)
    assert again() == 1_000_060.0 + 120.0  # the log's timeline, with its offset
    assert again.jumped.is_set() and again.held()[1] == 3_600
    other = HallClock(pi.base, pi.boot)
    other.resume(offset=0.0, ref=ref, same_boot=False)  # another boot: its clock is its own
    assert other() == pi.wall and not other.jumped.is_set()


def test_a_simulated_day_is_not_watched_for_jumps():
    pi = PiClock(1_000_000.0)
    clock = HallClock(pi.base, pi.boot, detect=False)
    pi.step(86_400)
    assert clock() == 1_086_400.0 and not clock.jumped.is_set()
