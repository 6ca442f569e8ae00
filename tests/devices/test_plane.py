"""The device plane end to end: real Mosquitto (and amqtt), real Runtime on
SQLite, devices simulated with paho. Call pad keys become engine commands for
the pad's own window; engine events become retained desired states;
一次一评 and exactly-once hold, also across a gateway restart."""
import datetime as dt
import json
import logging
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.broker.embedded import EmbeddedBroker
from gateway.config import load_file
from gateway.devices.client import DeviceClient
from gateway.devices.plane import DevicePlane
from gateway.extensions import devices as devices_ext
from gateway.runtime import Runtime
from protocols import events, topics
from tests.support import ROOT
from tests.support.mosquitto import free_port
from tests.support.mqtt_client import wait_for

HALL = load_file(ROOT / "hall_config" / "county.toml")
H = HALL.id
# Monday 10:00 in the hall: open, so tickets may be issued and displays are bright.
OPEN = dt.datetime(2026, 9, 14, 10, 0, tzinfo=ZoneInfo(HALL.timezone)).timestamp()


class Clock:
    def __init__(self):
        self.offset = 0.0
        self.t0 = time.monotonic()

    def __call__(self):
        return OPEN + (time.monotonic() - self.t0) + self.offset


class Gateway:
    def __init__(self, tmp: Path, port: int, clock: Clock):
        self.tmp, self.port, self.clock = tmp, port, clock
        self.events = []
        self.open()

    def open(self):
        self.rt = Runtime(HALL, self.tmp / "rt")
        self.rt.subscribe(self.events.extend)
        self.rt.start_ticker(self.clock, 0.2)  # as `hallgw run` does: prompts time out
        self.plane = DevicePlane(HALL, self.rt, self.tmp / "dev", "127.0.0.1", self.port, clock=self.clock,
                                 tick_seconds=0.2)
        self.plane.start()
        assert wait_for(lambda: self.plane.link.connected)

    def close(self):
        self.plane.stop()
        self.rt.close()

    def issue(self, service="ZH"):
        out = self.rt.submit({"type": "issue_ticket", "at": self.clock(), "service": service})
        assert out.ok, out.refusal
        return out.result

    def window(self, n):
        return self.rt.read(lambda e: dict(e.windows[n]))

    def records(self):
        """Device events applied so far (ticks may log alerts; they are not device events)."""
        return self.rt.read(lambda e: self.rt.store.conn.execute("SELECT count(*) FROM origins").fetchone()[0])




def barrier(gw: Gateway, dev: DeviceClient) -> None:
    """A later message from this device, waited for until the gateway has logged it. The plane
    takes a device's events in the order the broker passes them on (one client, one topic: in
    the order sent), one at a time, so once this one is logged every event the device sent
    before it has been handled: what a "did not happen" check may then look at. It changes
    nothing: a call pad asks for a ticket nobody holds, an evaluator rates a prompt that never was."""
    e = dev.rate("BARRIER", 3) if dev.role == "evaluator" else dev.action("call_ticket", ticket="Z999")
    origin = (e["dev"], e["boot"], e["seq"])
    assert wait_for(lambda: gw.rt.read(lambda _eng: gw.rt.store.outcome_of(origin)) is not None), \
        f"{dev.dev}'s barrier was never handled"


@pytest.fixture
def hall(tmp_path, mosquitto):
    gw = Gateway(tmp_path, mosquitto.port, Clock())
    devs = {}

    def device(dev, role="callpad", **kw):
        if dev not in devs:
            devs[dev] = DeviceClient(H, dev, "127.0.0.1", mosquitto.port, role, **kw)
        return devs[dev]
    yield gw, device, mosquitto
    for d in devs.values():
        d.close()
    gw.close()


def test_a_service_cycle_from_call_pad_to_display_and_evaluator(hall):
    gw, device, _ = hall
    pad, led, ev = device("w03-pad"), device("w03-led", "display"), device("w03-eval", "evaluator")
    # Retained desired state is there at once: window 3 is closed.
    assert led.wait(lambda d: d["status"] == "closed")["bright"] == 15
    gw.issue()
    gw.issue()
    pad.action("login", staff="1005")
    d = pad.wait(lambda d: d["logged_in"])
    assert (d["staff"], d["post"], d["waiting"]) == ("陈静", "A", 2)
    pad.action("call_next")
    d = led.wait(lambda d: d.get("ticket") == "A001")
    assert d["text"] == "3号 综合受理 A001" and d["status"] == "calling" and d["scroll"] and d["fw"] == 168
    assert pad.wait(lambda d: d["tstate"] == "called")["waiting"] == 1
    pad.action("start")
    pad.wait(lambda d: d["tstate"] == "serving")
    pad.action("finish", case="immediate")
    pad.action("request_evaluation")
    e = ev.wait(lambda d: d["mode"] == "prompt")
    prompt = e["prompt"]
    assert e["timeout"] == HALL.evaluation.prompt_timeout_seconds and e["staff"] == "陈静"
    ev.rate(prompt, 1, reasons=["01", "02"])
    e = ev.wait(lambda d: d["mode"] == "thanks")
    assert e["acked"] == [prompt]
    rated = [x for x in gw.events if x["type"] == "rating_recorded"]
    assert len(rated) == 1
    r = rated[0]
    assert (r["prompt"], r["window"], r["staff"], r["service"], r["level"], r["reasons"]) == (
        prompt, 3, "s005", "ZH", 1, ["01", "02"])
    assert r["ticket"].endswith("A001")
    # The 谢谢 screen goes back to idle by itself.
    ev.wait(lambda d: d["mode"] == "idle", timeout=8)
    # A second rating of the same service, even with a new event id: refused (一次一评).
    ev.rate(prompt, 5)
    barrier(gw, ev)
    assert len([x for x in gw.events if x["type"] == "rating_recorded"]) == 1
    assert gw.rt.read(lambda e: e.prompt_done[prompt]) == "rated"


def test_duplicate_deliveries_apply_once_also_across_a_restart(hall):
    gw, device, _ = hall
    pad = device("w05-pad")
    for _ in range(3):
        gw.issue()
    login = pad.action("login", staff="1009")
    pad.wait(lambda d: d["logged_in"])
    call = pad.action("call_next")
    pad.wait(lambda d: d["ticket"] == "A001")
    before = gw.records()
    # QoS 1 delivers the same event again: same boot id and sequence.
    pad.send(call)
    pad.send(call)
    pad.send(login)
    barrier(gw, pad)
    # Only the barrier is new in the log; the repeats changed nothing.
    assert gw.window(5)["ticket_number"] == "A001" and gw.records() == before + 1
    gw.close()
    gw.open()  # a gateway restart: the dedup is in SQLite with the commands
    pad.send(call)
    barrier(gw, pad)
    assert gw.window(5)["ticket_number"] == "A001" and gw.records() == before + 2
    pad.wait(lambda d: d["ticket"] == "A001" and d["waiting"] == 2)
    # A genuinely new call_next still works.
    pad.action("no_show")
    pad.action("call_next")
    pad.wait(lambda d: d["ticket"] == "A002")


def test_events_queued_while_the_gateway_is_down_arrive_once(hall):
    gw, device, _ = hall
    pad = device("w06-pad")
    gw.issue()
    pad.action("login", staff="1011")
    pad.wait(lambda d: d["logged_in"])
    gw.close()
    e = events.action(pad.dev, pad.ids.boot, pad.ids.next(), int(time.time()), "call_next")
    # The broker has it (its PUBACK came back) and keeps it for the gateway's persistent session.
    pad.client.publish(topics.event(H, pad.dev), events.encode(e), qos=1).wait_for_publish(5)
    gw.open()
    pad.wait(lambda d: d["ticket"] == "A001")
    assert gw.window(6)["ticket_number"] == "A001"


def test_an_event_the_store_could_not_take_is_not_acknowledged_and_comes_again(hall):
    """A store that fails for another reason than space (a read-only remount, an I/O error): the
    event is left for the broker to deliver again. (A full disk drops it and tells the pad, on a
    real full disk: tests/disk/test_full_disk.py.)"""
    import sqlite3

    gw, device, broker = hall
    pad = device("w04-pad")
    gw.issue()
    pad.action("login", staff="1007")
    pad.wait(lambda d: d["logged_in"])
    real = gw.rt.store.append
    failures = []

    def unwritable(*a, **kw):
        if not failures:
            failures.append(1)
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(*a, **kw)

    gw.rt.store.append = unwritable
    pad.action("call_next")
    assert wait_for(lambda: failures)
    barrier(gw, pad)
    assert gw.window(4)["ticket_number"] is None  # not on disk, so it did not happen
    # No PUBACK went out: after a reconnect the broker delivers it again, and now it sticks.
    broker.restart()
    pad.wait(lambda d: d["ticket"] == "A001", timeout=15)
    assert gw.window(4)["ticket_number"] == "A001"


def test_evaluation_timeout_is_not_rated_and_an_offline_evaluators_rating_still_counts_once(hall):
    gw, device, _ = hall
    pad, ev = device("w07-pad"), device("w07-eval", "evaluator")
    gw.issue()
    pad.action("login", staff="1013")
    pad.action("call_next")
    pad.action("start")
    pad.action("finish")
    pad.action("request_evaluation")
    prompt = ev.wait(lambda d: d["mode"] == "prompt")["prompt"]
    gw.clock.offset += HALL.evaluation.prompt_timeout_seconds + 1
    ev.wait(lambda d: d["mode"] == "idle", timeout=3)
    assert [x["prompt"] for x in gw.events if x["type"] == "evaluation_timed_out"] == [prompt]
    assert not [x for x in gw.events if x["type"] == "rating_recorded"]  # no default level
    # The evaluator was offline when the citizen rated; it delivers from flash afterwards.
    ev.rate(prompt, 5)
    ev.wait(lambda d: prompt in d["acked"])
    rated = [x for x in gw.events if x["type"] == "rating_recorded"]
    assert [(r["prompt"], r["level"], r["late"], r["staff"]) for r in rated] == [(prompt, 5, True, "s013")]
    ev.rate(prompt, 1)  # 一次一评: a second rating of that service is refused for good
    barrier(gw, ev)
    assert len([x for x in gw.events if x["type"] == "rating_recorded"]) == 1


def rate_from_the_wrong_devices(gw, device) -> str:
    """Window 8 asks for a rating; another window's evaluator and window 8's own call pad send
    one for its prompt, each followed by its barrier. The prompt."""
    pad, own, other = device("w08-pad"), device("w08-eval", "evaluator"), device("w09-eval", "evaluator")
    gw.issue()
    pad.action("login", staff="1015")
    for a in ("call_next", "start", "finish", "request_evaluation"):
        pad.action(a)
    prompt = own.wait(lambda d: d["mode"] == "prompt")["prompt"]
    other.rate(prompt, 5)  # another window's evaluator
    pad.send(events.rating("w08-pad", pad.ids.boot, pad.ids.next(), 1, prompt, 5, 1))  # a call pad pretending to rate
    barrier(gw, other)
    barrier(gw, pad)
    return prompt


def test_ratings_only_from_the_evaluator_of_the_prompting_window(hall):
    gw, device, _ = hall
    prompt = rate_from_the_wrong_devices(gw, device)
    assert not [x for x in gw.events if x["type"] == "rating_recorded"]
    own = device("w08-eval", "evaluator")
    own.rate(prompt, 4)
    own.wait(lambda d: d["mode"] == "thanks")
    assert [x["level"] for x in gw.events if x["type"] == "rating_recorded"] == [4]


def test_the_barrier_catches_a_plane_that_takes_a_pads_rating_late(hall, monkeypatch):
    """The planted defect: an intake that lets a call pad rate, on a machine so slow that the
    rating is applied a second after it came. A fixed 0.4 s wait saw nothing and passed; the
    barrier, handled after it, sees the rating."""
    from gateway.devices import intake
    gw, device, _ = hall
    real_classify, real_handle = intake.classify, gw.plane.handle

    def lenient(hall_id, devices, topic, payload):
        msg = real_classify(hall_id, devices, topic, payload)
        if isinstance(msg, intake.Drop) and "may not send rating" in msg.reason:
            dev = topic.split("/")[3]
            return intake.Event(dev, devices[dev].window, events.decode(payload))
        return msg

    def slow(topic, payload):
        if b'"rating"' in payload and b"w08-pad" in payload:
            time.sleep(1.0)
        real_handle(topic, payload)
    monkeypatch.setattr(intake, "classify", lenient)
    monkeypatch.setattr(gw.plane.link, "_on_message", slow)
    pad = device("w08-pad")
    gw.issue()
    pad.action("login", staff="1015")
    for a in ("call_next", "start", "finish", "request_evaluation"):
        pad.action(a)
    prompt = device("w08-eval", "evaluator").wait(lambda d: d["mode"] == "prompt")["prompt"]
    pad.send(events.rating("w08-pad", pad.ids.boot, pad.ids.next(), 1, prompt, 5, 1))
    time.sleep(0.4)  # what the test did before: nothing yet, so it passed
    assert not [x for x in gw.events if x["type"] == "rating_recorded"]
    barrier(gw, pad)
    assert [x["level"] for x in gw.events if x["type"] == "rating_recorded"] == [5]  # the barrier sees it


def test_refusals_show_on_the_call_pad(hall):
    gw, device, _ = hall
    pad = device("w10-pad")
    pad.action("call_next")  # nobody logged in
    d = pad.wait(lambda d: d["msg"])
    assert d["msg"] == "未登录，请先登录"      # the hall's words: the engine's English is in the log
    assert set("未登录请先") <= set(d["gl"])
    pad.action("login", staff="1019")
    assert pad.wait(lambda d: d["logged_in"])["msg"] == ""


def test_pause_note_reaches_the_display(hall):
    gw, device, _ = hall
    pad, led = device("w11-pad"), device("w11-led", "display")
    pad.action("login", staff="1021")
    pad.action("pause", reason="会议", until="14:30")
    d = led.wait(lambda d: d["status"] == "paused")
    assert d["text"] == "暂停 会议 14:30回"
    p = pad.wait(lambda d: d["paused"])
    assert p["pause_reason"] == "会议" and set("会议") <= set(p["gl"])   # the pad says why, too


def test_bad_and_foreign_messages_are_dropped_without_a_change(hall, caplog):
    gw, device, m = hall
    pad = device("w12-pad")
    stranger = DeviceClient(H, "w99-pad", "127.0.0.1", m.port)
    before = gw.records()
    with caplog.at_level(logging.WARNING, logger="gateway.devices.plane"):
        stranger.action("login", staff="1023")
        pub = pad.client
        for payload in (b"\x00\xff", b"{", b'{"v":9}', b"x" * 4096, json.dumps({"v": 1, "dev": "w12-pad"}).encode()):
            pub.publish(topics.event(H, "w12-pad"), payload, qos=1)
        pub.publish(topics.event(H, "w13-pad"), events.encode(events.action("w12-pad", "b", 1, 1, "call_next")), 1)
        pub.publish(topics.state(H, "w12-pad"), b'{"v":1,"dev":"w12-pad"}', 1)
        assert wait_for(lambda: len([r for r in caplog.records if "dropped" in r.message]) >= 8)
    reasons = " | ".join(r.message for r in caplog.records)
    for why in ("not configured", "not UTF-8", "not JSON", "version", "exceeds", "missing field", "names device"):
        assert why in reasons
    assert gw.records() == before and gw.plane.registry.get("w99-pad") is None
    stranger.close()
    # Still alive and serving.
    pad.action("login", staff="1023")
    pad.wait(lambda d: d["logged_in"])


def test_registry_and_devices_api(hall):
    gw, device, _ = hall
    led = device("w01-led", "display")
    led.report(fw="0.4.2", rev=3, rssi=-58, heap=51234)
    assert wait_for(lambda: (gw.plane.registry.get("w01-led").firmware == "0.4.2"))
    app = FastAPI()
    app.include_router(devices_ext.router(gw.plane))
    body = TestClient(app).get("/api/v1/devices").json()
    assert body["hall"] == H and len(body["devices"]) == len(HALL.devices)
    d = next(x for x in body["devices"] if x["id"] == "w01-led")
    assert (d["role"], d["window"], d["online"], d["firmware"], d["rssi"], d["heap"], d["rev"]) == (
        "display", 1, True, "0.4.2", -58, 51234, 3)
    assert d["boot"] == led.ids.boot and d["last_seen"] and d["desired_rev"] >= 1
    assert d["pm"] is None   # a device that does not report its power save (older firmware) is accepted
    # Its Wi-Fi power save as the firmware reports it; a later state without it (the old firmware
    # flashed back) knows nothing of it.
    led.report(fw="0.4.3", rev=3, pm="performance")
    assert wait_for(lambda: gw.plane.registry.get("w01-led").pm == "performance")
    led.report(fw="0.4.2", rev=3)
    assert wait_for(lambda: gw.plane.registry.get("w01-led").firmware == "0.4.2")
    assert gw.plane.registry.get("w01-led").pm is None
    # The last will (or a clean offline) marks it offline.
    led.client.publish(topics.availability(H, "w01-led"), b'{"v":1,"online":false}', 1, retain=True)
    assert wait_for(lambda: not gw.plane.registry.get("w01-led").online)


def test_gateway_availability_is_retained_with_a_last_will(hall):
    gw, device, m = hall
    got = {}
    seen = threading.Event()
    import paho.mqtt.client as mqtt
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    c.on_message = lambda cl, u, msg: (got.update(json.loads(msg.payload)), seen.set())
    c.on_connect = lambda cl, u, f, rc, p: cl.subscribe(topics.gateway_availability(H), 1)
    c.connect("127.0.0.1", m.port)
    c.loop_start()
    assert seen.wait(5) and got["online"] is True
    seen.clear()
    gw.close()
    assert wait_for(lambda: got.get("online") is False)
    gw.open()
    assert wait_for(lambda: got.get("online") is True)
    c.disconnect()
    c.loop_stop()


def test_desired_states_survive_a_broker_restart_and_revs_keep_growing(hall):
    gw, device, m = hall
    pad = device("w14-pad")
    pad.action("login", staff="1027")
    rev = pad.wait(lambda d: d["logged_in"])["rev"]
    m.restart()
    assert wait_for(lambda: gw.plane.link.connected, 10)
    pad.action("logout")
    assert pad.wait(lambda d: not d["logged_in"], timeout=10)["rev"] > rev


def test_embedded_broker_carries_the_same_traffic(tmp_path):
    port = free_port()
    with EmbeddedBroker("127.0.0.1", port):
        gw = Gateway(tmp_path, port, Clock())
        pad, led = (DeviceClient(H, "w02-pad", "127.0.0.1", port),
                    DeviceClient(H, "w02-led", "127.0.0.1", port, "display"))
        try:
            # The barrier for the gateway's subscription: it subscribes, then publishes the desired
            # states; a press sent before that would have no subscriber at the broker.
            led.wait(lambda d: True, timeout=15)
            gw.issue("SB")
            pad.action("login", staff="1003")
            pad.action("call_next")
            assert led.wait(lambda d: d.get("ticket") == "B001", timeout=15)["text"] == "2号 综合受理 B001"
            pad.send(pad.action("recall"))
            pad.wait(lambda d: d["recalls"] == 1)
            barrier(gw, pad)
            assert gw.window(2)["recalls"] == 1
        finally:
            pad.close()
            led.close()
            gw.close()


def test_unchanged_states_go_out_again_to_a_broker_that_forgot_them(tmp_path):
    # Each round a new embedded broker, as a restarted gateway has: it holds no retained state,
    # and the display's state has not changed since the first round.
    seen = []
    for _ in range(2):
        port = free_port()
        with EmbeddedBroker("127.0.0.1", port):
            gw = Gateway(tmp_path, port, Clock())
            led = DeviceClient(H, "w04-led", "127.0.0.1", port, "display")
            try:
                seen.append(led.wait(lambda d: True, timeout=10))
            finally:
                led.close()
                gw.close()
    assert seen[1]["rev"] == seen[0]["rev"] and seen[1]["text"] == seen[0]["text"]


def test_the_case_number_from_the_call_pad_reaches_the_ticket_and_its_rating(hall):
    gw, device, _ = hall
    pad, ev = device("w03-pad"), device("w03-eval", "evaluator")
    gw.issue()
    submitted = []
    real = gw.rt.submit
    gw.rt.submit = lambda cmd: (submitted.append(cmd), real(cmd))[1]
    pad.action("login", staff="1005")
    pad.action("call_next")
    pad.action("start")
    pad.wait(lambda d: d["tstate"] == "serving")
    sent = pad.action("attach_case", project="20240915001")
    assert pad.wait(lambda d: d["msg"])["msg"] == "已关联 办件 20240915001"
    cmd = next(c for c in submitted if c["type"] == "attach_case")
    assert cmd == {"type": "attach_case", "at": cmd["at"], "window": 3, "project_no": "20240915001",
                   "origin": {"dev": "w03-pad", "boot": pad.ids.boot, "seq": sent["seq"]}}
    attached = [x for x in gw.events if x["type"] == "case_attached"]
    assert [(x["window"], x["number"], x["project_no"]) for x in attached] == [(3, "A001", "20240915001")]
    # after finishing, until the rating is in, the number goes to the ticket just finished (last one wins)
    pad.action("finish", case="promised")
    pad.wait(lambda d: d["tstate"] == "" and d["msg"] == "")
    pad.action("attach_case", project="20240915002")
    pad.wait(lambda d: d["msg"] == "已关联 办件 20240915002")
    pad.action("request_evaluation")
    prompt = ev.wait(lambda d: d["mode"] == "prompt")["prompt"]
    ev.rate(prompt, 5)
    ev.wait(lambda d: d["mode"] == "thanks")
    rated = [x for x in gw.events if x["type"] == "rating_recorded"]
    assert [x["project_no"] for x in rated] == ["20240915002"]
    # rated: the record is final, and the refusal shows on the pad as any other
    pad.action("attach_case", project="20240915003")
    assert pad.wait(lambda d: d["msg"] and "已关联" not in d["msg"])["msg"] == "本窗口没有可关联的号"


def test_a_new_content_version_republishes_every_evaluators_state(hall):
    gw, device, _ = hall
    evs = [device(f"w{n:02d}-eval", "evaluator") for n in (3, 7)]
    pad, led = device("w03-pad"), device("w03-led", "display")
    for e in evs:
        e.wait(lambda d: d["rv"] == HALL.evaluation.reasons_version)
    pad_rev, led_rev = pad.wait(lambda d: True)["rev"], led.wait(lambda d: True)["rev"]
    new = {"version": "2026.2", "reasons": [{"code": "21", "text": "等候时间长"}, {"code": "22", "text": "材料反复要求"}]}
    assert desired_fits(new) is None
    out = gw.rt.submit({"type": "set_content", "at": gw.clock(), **new})
    assert out.ok, out.refusal
    assert [x["version"] for x in gw.events if x["type"] == "content_changed"] == ["2026.2"]
    for e in evs:
        d = e.wait(lambda d: d["rv"] == "2026.2")
        assert (d["reasons"], d["rtexts"]) == (["21", "22"], ["等候时间长", "材料反复要求"])
        assert set("等候时间长材料反复要求") <= set(d["gl"])
    # Nothing else changed: the next state the pad and the display get (the window opened) is
    # the next rev, so none went out in between for the new content.
    pad.action("login", staff="1005")
    assert pad.wait(lambda d: d["logged_in"])["rev"] == pad_rev + 1
    assert led.wait(lambda d: d["status"] != "closed")["rev"] == led_rev + 1
    gw.issue()
    # a 差评 on the new list counts against it, and a restarted gateway keeps it
    for a in ("call_next", "start", "finish", "request_evaluation"):
        pad.action(a)
    prompt = evs[0].wait(lambda d: d["mode"] == "prompt")["prompt"]
    r = evs[0]
    r.send(events.rating("w03-eval", r.ids.boot, r.ids.next(), int(time.time()), prompt, 2, int(time.time()),
                         ["22"], "2026.2"))
    evs[0].wait(lambda d: d["mode"] == "thanks")
    rated = [x for x in gw.events if x["type"] == "rating_recorded"]
    assert [(x["reasons"], x["reasons_version"]) for x in rated] == [(["22"], "2026.2")]
    gw.close()
    gw.open()  # the plane's view is seeded from the engine as it starts
    assert gw.plane.view.content.version == "2026.2"
    assert evs[1].wait(lambda d: True)["rv"] == "2026.2"


def desired_fits(content):
    from gateway.devices.desired import evaluator_state_fits
    return evaluator_state_fits(HALL, content)
