"""A broker restart under a running evaluator, the watchdog, Wi-Fi outages, and the backoff
against a broker that is down."""
import time

from tests.firmware.test_firmware_display import PW, pattern
from tests.firmware.test_firmware_display import desired as display_desired
from tests.firmware.test_firmware_evaluator import LEVEL_LEDS, level_leds, prompt, queued, ratings, shown, state

from hil.services.mosquitto import free_port

DEV = "w01-eval"


def test_broker_restart_reconnects_reapplies_desired_and_delivers_once(make_board, gateway, mosquitto):
    b = make_board("evaluator", DEV)
    gateway.publish_desired(DEV, prompt("p-1"))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit")
    boot = gateway.availability[DEV]["boot"]
    mosquitto.stop()
    b.wait_serial("device: broker lost")
    b.wait_until(lambda: "离线" in b.screen_text(), what="offline on screen")
    b.press("satisfied")          # rated during the outage: kept in flash
    b.wait_until(lambda: queued(b), what="rating in flash")
    # Hold the device off the air until the stub has resubscribed: the stub
    # has a clean session, so a rating arriving before that would reach no one.
    b.wifi(False)
    mosquitto.start()
    gateway.wait(lambda: gateway.client.is_connected() and gateway.subscribed.is_set(), 15, "stub resubscribed")
    b.wifi(True)
    # new desired state while the device is still backing off: it must fetch it on reconnect
    rev = gateway.publish_desired(DEV, prompt("p-2", staff="2001"))
    b.wait_until(lambda: shown(b) == ["请您评价", "工作人员 2001"], 20, "retained state applied")
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("rev") == rev, 10, "state reports the new rev")
    gateway.wait(lambda: ratings(gateway, "p-1"), 10, "outage rating delivered")
    gateway.publish_desired(DEV, state("thanks", acked=["p-1"]))
    b.wait_until(lambda: queued(b) == [], what="acked")
    b.press("satisfied")          # p-2 no longer prompted: nothing sent
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("queued") == 0, 5, "queue empty reported")
    assert len(ratings(gateway, "p-1")) == 1 and ratings(gateway) == ratings(gateway, "p-1")
    assert ratings(gateway, "p-1")[0]["boot"] == boot and b.boots == 1


def test_a_starved_main_loop_is_reset_by_the_watchdog(make_board, gateway):
    b = make_board("callpad", "w01-pad", wdt_ms=2000)
    b.wait_until(lambda: gateway.online("w01-pad"), 10, "online")
    first = gateway.availability["w01-pad"]["boot"]
    b.hang(3000)                  # a driver blocks the event loop past the watchdog timeout
    b.wait_until(lambda: b.wdt_resets == 1 and b.boots == 2, 10, "watchdog reset")
    gateway.wait(lambda: gateway.online("w01-pad") and gateway.availability["w01-pad"]["boot"] != first,
                 15, "back online with a new boot id")
    assert b.halted is None


def with_marker(px):
    marked = [row[:] for row in px]
    for y in range(2):
        marked[y][PW - 2:PW] = [1, 1]
    return marked


def test_a_long_wifi_outage_feeds_the_watchdog_and_keeps_the_frame(make_board, gateway):
    # keepalive 5: the firmware's offline stall limit is then its floor, 15 s
    # (device.py _DOWN_STALL_MIN_MS); the outage lasts longer than that plus
    # the watchdog's 2 s, which reset the board while Wi-Fi.wait looped.
    b = make_board("display", "w01-led", wdt_ms=2000, keepalive=5)
    px = pattern(PW, 4)
    gateway.publish_desired("w01-led", display_desired(px))
    b.wait_until(lambda: b.display_pixels() == px, what="frame on the panel")
    b.wifi(False)
    b.wait_until(lambda: b.display_pixels() == with_marker(px), 30, "offline marker")
    time.sleep(15 + 2 + 5)
    assert b.boots == 1 and b.wdt_resets == 0, b.console()
    assert b.display_pixels() == with_marker(px)
    b.wifi(True)
    b.wait_until(lambda: b.display_pixels() == px, 30, "marker gone once back online")
    gateway.wait(lambda: gateway.online("w01-led"), 10, "online again")
    rev = gateway.publish_desired("w01-led", display_desired(pattern(PW, 5)))
    gateway.wait(lambda: gateway.state.get("w01-led", {}).get("rev") == rev, 10, "new frame applied")
    assert b.boots == 1


def test_the_radio_stays_off_across_a_power_cycle(make_board, gateway):
    b = make_board("callpad", "w01-pad")
    b.wait_until(lambda: gateway.online("w01-pad"), 10, "online")
    b.wifi(False)
    mark = len(b.serial)
    b.power_cycle()
    # a board that came up with its radio on would not need to connect at all
    b.wait_until(lambda: any("wifi: connecting" in ln for ln in b.serial[mark:]), what="connect attempt")
    assert not any("wifi: connected" in ln for ln in b.serial[mark:])
    b.wifi(True)
    b.wait_until(lambda: b.screen_text()[0].endswith("在线"), 20, "online once the access point is back")


def test_a_broker_that_is_down_is_tried_again_with_backoff_not_hammered(make_board, gateway):
    # Nothing listens where the broker should be: the first try is at once, each
    # failed one waits longer (0.5 s, 1 s, 2 s, ...), where a retry loop without
    # backoff would make hundreds of tries in the same seconds.
    b = make_board("callpad", "w01-pad", broker_port=free_port())
    b.wait_serial("mqtt: 127.0.0.1")
    time.sleep(4)
    tries = [ln for ln in b.serial if ln.startswith("mqtt: 127.0.0.1")]
    assert 2 <= len(tries) <= 6, tries
