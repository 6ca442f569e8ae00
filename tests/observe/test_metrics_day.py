"""/metrics and /healthz of a real gateway during a short hall day: every metric the issue
names is present in the Prometheus text format (parsed by prometheus_client.parser) and
moves as the day goes: tickets, calls, ratings, a 差评 whose 事项 cannot be told (dead letter),
the province offline for a while (pending), the printer out of paper, a device gone."""
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.observe.observeday import Day

# Every metric the issue names -> the family (and sample) that carries it.
NAMED = {
    "commands committed": ("hall_commands_committed", "hall_commands_committed_total"),
    "commit latency": ("hall_commit_seconds", "hall_commit_seconds_count"),
    "press -> desired latency": ("hall_press_to_desired_seconds", "hall_press_to_desired_seconds_count"),
    "devices online": ("hall_devices_online", "hall_devices_online"),
    "queue lengths": ("hall_queue_waiting", "hall_queue_waiting"),
    "waiting times": ("hall_wait_seconds", "hall_wait_seconds_count"),
    "ratings": ("hall_ratings", "hall_ratings_total"),
    "upstream pending": ("hall_upstream_pending", "hall_upstream_pending"),
    "upstream dead letter": ("hall_upstream_dead_letter", "hall_upstream_dead_letter"),
    "printer state": ("hall_printer_state", "hall_printer_state"),
}


def parse(text: str) -> dict:
    """family name -> {(sample name, labels): value}"""
    out = {}
    for fam in text_string_to_metric_families(text):
        out[fam.name] = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in fam.samples}
    return out


def test_every_named_metric_is_present_and_moves_during_a_short_day(tmp_path):
    day = Day(tmp_path).start()
    scrapes = []

    def scrape():
        scrapes.append(parse(day.text("/metrics")))

    try:
        d = day.devices
        scrape()  # before any device is up
        for dev in d.ids:
            d.online(dev)
        for pad, code in (("s1-pad", "2001"), ("s2-pad", "2002")):
            d.press(pad, "login", staff=code)
            d.wait(pad, lambda s: s.get("logged_in"))
        for _ in range(3):
            assert day.kiosk_ticket("ZH", "330681-CZ-001")["printed"]
        day.kiosk_ticket("ZX", "330681-CZ-009")
        scrape()  # a queue, nobody called yet
        day.serve(1, 5)
        day.serve(2, 4)
        scrape()
        day.province.control(fault="offline")
        day.serve(1, 1, ["01"])   # a 差评: it waits for the province
        deadline = time.monotonic() + 20
        while scrapes[-1]["hall_upstream_pending"][("hall_upstream_pending", (("destination", "province"),))] == 0:
            assert time.monotonic() < deadline, "the rating never showed as pending"
            scrape()
        day.province.control(fault="online")
        # ZH has two matters: a ticket taken without one gives a rating the province cannot take.
        day.gateway.take_ticket({"service": "ZH"})
        day.serve(1, 3)
        day.printer.set_state("paper_out")
        out = day.kiosk_ticket("ZH", "330681-CZ-002")
        assert out["on_screen"] and not out["printed"]
        scrape()
        health = day.gateway.get("/healthz")
        day.printer.set_state("ok")
        day.serve(2, 5)
        d.online("s2-eval", False)
        deadline = time.monotonic() + 30
        while True:   # the dead letter and the backlog after the outage
            scrape()
            up = scrapes[-1]
            key = (("destination", "province"),)
            if (up["hall_upstream_dead_letter"][("hall_upstream_dead_letter", key)] >= 1
                    and up["hall_upstream_pending"][("hall_upstream_pending", key)] == 0):
                break
            assert time.monotonic() < deadline, f"upstream never settled: {up.get('hall_upstream_pending')}"
            time.sleep(0.3)
        final_health = day.gateway.get("/healthz")
    finally:
        day.close()

    for what, (family, sample) in NAMED.items():
        seen = [{k: v for k, v in s.get(family, {}).items() if k[0] == sample} for s in scrapes]
        assert seen[-1], f"{what}: no {sample} in the last scrape"
        assert len({tuple(sorted(x.items())) for x in seen if x}) > 1, f"{what}: {sample} never moved: {seen[-1]}"

    last = scrapes[-1]
    assert last["hall_ratings"][("hall_ratings_total", (("channel", "evaluator"), ("level", "1")))] == 1
    assert last["hall_devices_online"][("hall_devices_online", (("role", "evaluator"),))] == 1
    assert last["hall_broker_connected"][("hall_broker_connected", ())] == 1
    assert last["process_resident_memory_bytes"][("process_resident_memory_bytes", ())] > 0
    made = list(day.backups.glob("hall-village-demo-*.db"))
    assert len(made) == 1 and last["hall_backup_last_bytes"][("hall_backup_last_bytes", ())] == made[0].stat().st_size
    # mid-day the printer was out: degraded, not failing (the hall still works); at the end the
    # dead letter keeps it degraded until a supervisor deals with it
    assert health["status"] == "degraded" and health["checks"]["printer"]["state"] == "paper_out"
    assert health["checks"]["store"]["ok"] and health["checks"]["broker"]["linked"]
    assert final_health["status"] == "degraded"
    assert final_health["checks"]["upstream"]["destinations"][0]["dead_letter"] == 1
