"""A clerk's quickest keys never meet the device budget ([device_limits]): the real call pad
firmware on an emulated board, its keys pressed as fast as they go (each press held 60 ms with
contact bounce, the next one past the 40 ms debounce: about as fast as a finger can tap, faster
than a clerk keeps up), through Mosquitto to the device plane and the engine. Every event the
pad sends reaches the engine: its sequence numbers arrive without a gap, nothing is dropped,
no alert is raised. The pace it reached is printed (the figure the burst is set above)."""
import time

from gateway.config import load_file
from gateway.devices.plane import DevicePlane
from gateway.runtime import Runtime
from hil.board import Board
from tests.support import ROOT
from tests.support.hallday import MONDAY_9
from tests.support.mqtt_client import wait_for

HALL = load_file(ROOT / "hall_config" / "county.toml")
DEV = "w01-pad"
PRESSES = 40  # in one flurry, without a pause: more than any clerk does at a window


def test_a_clerks_fastest_flurry_of_keys_all_reaches_the_engine(tmp_path, mosquitto):
    t0 = time.monotonic()
    clock = lambda: MONDAY_9 + 3600 + time.monotonic() - t0  # noqa: E731 -- a Monday 10:00, open
    rt = Runtime(HALL, tmp_path / "gw")
    plane = DevicePlane(HALL, rt, tmp_path / "dev", "127.0.0.1", mosquitto.port, clock=clock, tick_seconds=0.2)
    plane.start()
    board = Board("callpad", {"device": DEV, "hall": HALL.id, "window": 1, "wifi_ssid": "hall-iot",
                              "wifi_password": "secret", "broker_host": "127.0.0.1", "broker_port": mosquitto.port,
                              "keepalive": 10, "wdt_ms": 8000}, tmp_path / DEV)
    board.start()
    try:
        for _ in range(PRESSES):
            assert rt.submit({"type": "issue_ticket", "at": clock(), "service": "ZH"}).ok
        assert wait_for(lambda: plane.registry.get(DEV).online), "the pad never came online"
        board.type("1001")
        board.press("ok")
        assert wait_for(lambda: rt.read(lambda e: e.windows[1]["staff"]) == "s001"), "the login never arrived"
        # Call, and mark each no-show, as fast as the keys go: every press is an event.
        for i in range(PRESSES):
            board.press("call" if i % 2 == 0 else "noshow")

        def mine():
            return [r for r in rt.store.records_after(0) if (r["cmd"].get("origin") or {}).get("dev") == DEV]
        # The pad counts its events (seq): the last one it sent is the barrier.
        assert wait_for(lambda: len(mine()) >= 2 and len(mine()) == max(r["cmd"]["origin"]["seq"] for r in mine()))
        recs = mine()
        seqs = [r["cmd"]["origin"]["seq"] for r in recs]
        assert seqs == list(range(1, len(recs) + 1))  # none missing: nothing dropped on the way
        assert len(recs) >= PRESSES // 2  # most presses were sent (one in flight at a time: 请稍候)
        assert plane.budget.totals() == {} and plane.budget.floods() == {}
        plane.floods()
        assert rt.read(lambda e: [k for k in e.alerts if k.startswith("device_flood")]) == []
        flurry = recs[1:]  # after the login
        span = flurry[-1]["cmd"]["at"] - flurry[0]["cmd"]["at"]
        print(f"quick keys: {len(flurry)} events in {span:.2f} s from one call pad: "
              f"{(len(flurry) - 1) / span:.1f} a second")
    finally:
        board.stop()
        plane.stop()
        rt.close()
