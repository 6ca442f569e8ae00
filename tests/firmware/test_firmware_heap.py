"""Each role through a short simulated hall day under -X heapsize=96K (the
driver of `hall-bench heap`): no MemoryError, no reset; and the
step-by-step boot of `hall-bench heap-boot`."""
from concurrent.futures import ThreadPoolExecutor

from bench.heap_boot import probe, table
from hil.board.day import DAYS, check_healthy, hall_day


def test_every_role_lives_a_hall_day_in_96k(make_board, gateway):
    boards = make_board.many([(role, "day-" + role) for role in DAYS])
    assert {b.heapsize for b in boards} == {"96K"}
    with ThreadPoolExecutor(len(boards)) as ex:
        peaks = dict(zip(DAYS, ex.map(lambda b: hall_day(b.role, b, gateway, 5), boards), strict=True))
    for b in boards:
        check_healthy(b)
    for role, peak in peaks.items():
        assert 0 < peak < 96 * 1024, (role, peak)


def test_the_heap_breakdown_boots_a_role_step_by_step_and_it_loads_only_its_own_code(tmp_path):
    out = probe("callpad", tmp_path)
    rows = table("callpad", out, tmp_path / "callpad" / "flash")
    steps = [r.split()[0] for r in rows]
    assert steps[:3] == ["interpreter", "asyncio", "config"] and steps[-3:] == ["callpad.CallPad()", "tasks", "total"]
    assert {"mqtt", "TLS", "wire", "wire_callpad", "device", "Device()"} <= set(steps), rows
    loaded = next(ln for ln in out.splitlines() if ln.startswith("@modules")).split()[1:]
    assert {"callpad", "wire_callpad", "screen", "keys"} <= set(loaded)
    # a call pad carries no other role's code, and config's module went after boot
    assert not {"evaluator", "display", "ratings", "max7219", "wire_evaluator", "wire_display", "config"} & set(loaded)
