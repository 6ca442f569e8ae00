"""A rating's time: the evaluator's own stamp only where it can be true, else the gateway's
receipt (the command's `at`), and the record says which and keeps the device's stamp."""
import pytest

from gateway.engine.evaluation import DEVICE_CLOCK_TOLERANCE_S
from tests.support.hallday import Driver, hall

Y2000 = 946684800  # an ESP32's RTC at power-up, before NTP


def prompted(d: Driver) -> tuple[str, float]:
    """A served ticket at window 1 and its rating prompt: (prompt id, when it was issued)."""
    d.ok("issue_ticket", service="ZH")
    if not d.engine.windows[1]["staff"]:
        d.ok("login", window=1, staff_code="1001")
    d.serve(1)
    return d.ok("request_evaluation", window=1)["prompt"], d.now


def test_an_evaluator_whose_clock_starts_at_2000_is_stamped_on_receipt():
    d = Driver()
    p, _ = prompted(d)
    rec = d.ok("rate", window=1, prompt=p, level=5, rated_at=Y2000 + 3600)
    assert rec["rated_at"] == d.now  # the receipt: this command's `at`
    assert (rec["time_from"], rec["device_rated_at"], rec["time_check"]) == ("gateway", Y2000 + 3600, "clock_unset")
    assert rec["day"] == d.engine.day  # today's rating, as the ticket's


def test_a_stamp_inside_the_prompts_life_and_near_the_gateway_is_the_devices():
    d = Driver()
    p, asked = prompted(d)
    rec = d.ok("rate", window=1, prompt=p, level=4, rated_at=int(asked) + 3)
    assert (rec["rated_at"], rec["time_from"], rec["device_rated_at"]) == (int(asked) + 3, "device", int(asked) + 3)
    assert "time_check" not in rec


@pytest.mark.parametrize("offset, why", [(-30, "before_prompt"), (-86400, "before_prompt"),
                                         (7200, "after_prompt")])
def test_a_stamp_outside_the_prompts_life_takes_the_receipt_time(offset, why):
    d = Driver()
    p, asked = prompted(d)
    rec = d.ok("rate", window=1, prompt=p, level=3, rated_at=int(asked + offset))
    assert (rec["rated_at"], rec["time_from"], rec["time_check"]) == (d.now, "gateway", why)
    assert rec["device_rated_at"] == int(asked + offset)


def test_a_stamp_ahead_of_its_receipt_is_a_clock_running_fast():
    d = Driver(step=2)
    p, asked = prompted(d)
    # received 2 s after the prompt, stamped 20 s after it: within the prompt's 60 s, but not yet
    rec = d.ok("rate", window=1, prompt=p, level=5, rated_at=int(asked) + 20)
    assert (rec["rated_at"], rec["time_check"]) == (d.now, "after_receipt")


def test_a_long_prompt_received_on_time_catches_a_clock_minutes_off():
    d = Driver(hall(prompt_timeout_seconds=600))
    p, asked = prompted(d)
    # A ten-minute prompt received on time, stamped inside its life but minutes before it arrived.
    at = asked + 500
    rec = d.ok("rate", window=1, prompt=p, level=5, rated_at=int(at - DEVICE_CLOCK_TOLERANCE_S - 60), at=at)
    assert (rec["rated_at"], rec["time_check"]) == (at, "far_from_gateway")


def test_a_rating_kept_in_flash_keeps_its_time_when_it_arrives_after_the_prompt_ran_out():
    d = Driver()
    p, asked = prompted(d)
    d("tick", at=asked + 3600)  # the evaluator was offline for an hour
    late = d.ok("rate", window=1, prompt=p, level=5, rated_at=int(asked) + 20)
    assert (late["late"], late["rated_at"], late["time_from"]) == (True, int(asked) + 20, "device")
    # the same late delivery from a clock that was never set: made some time in the prompt's
    # life, but nothing says when; the receipt is what the gateway knows
    p2, asked2 = prompted(d)
    d("tick", at=asked2 + 3600)
    late = d.ok("rate", window=1, prompt=p2, level=5, rated_at=Y2000 + 50)
    assert (late["rated_at"], late["time_from"], late["time_check"]) == (d.now, "gateway", "clock_unset")


def test_a_rating_without_a_stamp_is_the_gateways():
    d = Driver()
    p, _ = prompted(d)
    rec = d.ok("rate", window=1, prompt=p, level=5)
    assert (rec["rated_at"], rec["time_from"], rec["time_check"]) == (d.now, "gateway", "no_stamp")
    assert "device_rated_at" not in rec
