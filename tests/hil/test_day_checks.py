"""The end-of-day checks catch what they are there for, on hand-made logs:
a ticket held at two windows, a window holding two tickets, a rating stored
twice, for the wrong staff member, or from a device other than the evaluator."""
from gateway.config import load_file
from hil.day.check import check_one_window, check_ratings

HALL = load_file("hall_config/village.toml")


def rec(*events, origin=None):
    cmd = {"type": "x"}
    if origin:
        cmd["origin"] = {"dev": origin, "boot": "b", "seq": 1}
    return {"cmd": cmd, "outcome": {"ok": True, "events": list(events)}}


def called(t, w):
    return {"type": "ticket_called", "ticket": t, "number": t, "window": w}


def test_a_ticket_called_at_a_second_window_is_caught_unless_released_first():
    assert check_one_window([rec(called("A1", 1)), rec(called("A2", 2))]) == []
    assert check_one_window([rec(called("A1", 1)), rec(called("A1", 2))])
    released = {"type": "ticket_transferred", "ticket": "A1", "window": 1}
    assert check_one_window([rec(called("A1", 1)), rec(released), rec(called("A1", 2))]) == []
    assert check_one_window([rec(called("A1", 1)), rec(called("A2", 1))])   # one clerk, two tickets


def rating(staff="v01", prompt="E1", ticket="T1"):
    return {"type": "rating_recorded", "prompt": prompt, "window": 1, "ticket": ticket, "number": "A001",
            "staff": staff, "service": "ZH", "level": 2, "reasons": ["01"]}


SENT = {"T1": {"prompt": "E1", "window": 1, "staff": "v01", "service": "ZH", "level": 2, "reasons": ["01"]}}


def test_ratings_stored_once_for_the_right_staff_from_the_evaluator():
    assert check_ratings([rec(rating(), origin="s1-eval")], HALL, SENT) == ([], 1)
    bad, _ = check_ratings([rec(rating(), origin="s1-eval"), rec(rating(), origin="s1-eval")], HALL, SENT)
    assert any("twice" in b for b in bad)
    bad, _ = check_ratings([rec(rating(staff="v02"), origin="s1-eval")], HALL, SENT)
    assert bad
    bad, _ = check_ratings([rec(rating(), origin="s2-eval")], HALL, SENT)
    assert bad


def test_a_given_rating_that_was_not_stored_is_caught_even_after_a_timeout():
    bad, n = check_ratings([], HALL, SENT)
    assert n == 0 and bad
    # An offline evaluator delivers after the prompt timed out here: the rating must
    # still be stored (late), so a timeout is no excuse.
    timed_out = {"type": "evaluation_timed_out", "prompt": "E1", "window": 1, "ticket": "T1"}
    bad, n = check_ratings([rec(timed_out)], HALL, SENT)
    assert n == 0 and bad and "timed out first" in bad[0]
    late = dict(rating(), late=True)
    assert check_ratings([rec(timed_out), rec(late, origin="s1-eval")], HALL, SENT) == ([], 1)
