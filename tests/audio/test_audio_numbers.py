import pytest

from gateway.audio import AudioError, numbers


def zh(n):
    names = dict(zip([f"n{d}" for d in range(10)], "零一二三四五六七八九", strict=True))
    names.update({"n10": "十", "n100": "百", "n1000": "千"})
    return "".join(names[c] for c in numbers.cardinal(n, "zh"))


@pytest.mark.parametrize("n, said", [
    (0, "零"), (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (12, "十二"), (19, "十九"), (20, "二十"),
    (21, "二十一"), (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"),
    (200, "二百"), (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"), (1100, "一千一百"),
    (9999, "九千九百九十九"),
])
def test_window_numbers_in_chinese_are_cardinals(n, said):
    assert zh(n) == said


@pytest.mark.parametrize("n, ids", [
    (0, ["n0"]), (10, ["n10"]), (11, ["n11"]), (20, ["n20"]), (21, ["n20", "n1"]),
    (100, ["n1", "n100"]), (101, ["n1", "n100", "n1"]), (110, ["n1", "n100", "n10"]),
    (2345, ["n2", "n1000", "n3", "n100", "n40", "n5"]),
])
def test_window_numbers_in_english_are_cardinals(n, ids):
    assert numbers.cardinal(n, "en") == ids


@pytest.mark.parametrize("ticket, ids", [
    ("A012", ["A", "n0", "n1", "n2"]),
    ("A100", ["A", "n1", "n0", "n0"]),
    ("ZB007", ["Z", "B", "n0", "n0", "n7"]),
    ("010", ["n0", "n1", "n0"]),
])
def test_tickets_are_read_letter_then_digit_by_digit(ticket, ids):
    assert numbers.ticket(ticket) == ids


@pytest.mark.parametrize("bad", ["", "a012", "ABC1", "A", "A01-2", "A1234567", None])
def test_bad_ticket_numbers_are_refused_clearly(bad):
    with pytest.raises(AudioError, match="ticket number"):
        numbers.ticket(bad)


@pytest.mark.parametrize("bad", [-1, 10000, 2.5, True, "3"])
def test_bad_window_numbers_are_refused_clearly(bad):
    with pytest.raises(AudioError, match="window number"):
        numbers.cardinal(bad, "zh")


def test_every_reading_uses_only_clips_the_reader_declares():
    for reader in numbers.READERS:
        have = set(numbers.needed(reader))
        for n in range(0, 10000, 7):
            assert set(numbers.cardinal(n, reader)) <= have, n
