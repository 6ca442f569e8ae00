"""Each role through a short simulated hall day under -X heapsize=96K (the
driver of python -m hil.board.heap_report): no MemoryError, no reset."""
from concurrent.futures import ThreadPoolExecutor

from hil.board.heap_report import DAYS, check_healthy, hall_day


def test_every_role_lives_a_hall_day_in_96k(make_board, gateway):
    boards = make_board.many([(role, "day-" + role) for role in DAYS])
    assert {b.heapsize for b in boards} == {"96K"}
    with ThreadPoolExecutor(len(boards)) as ex:
        peaks = dict(zip(DAYS, ex.map(lambda b: hall_day(b.role, b, gateway, 5), boards), strict=True))
    for b in boards:
        check_healthy(b)
    for role, peak in peaks.items():
        assert 0 < peak < 96 * 1024, (role, peak)
