"""Call pad under the real MicroPython unix port with emulated hardware:
keys become events on a real Mosquitto, desired state reaches the screen."""
import time

from gateway.devices.desired import glyphs

CLOCK_VALID = 1577836800   # 2020-01-01: firmware/clock.py, earlier means unset
DEV = "w01-pad"


def logged_in(**kw):
    d = {"v": 1, "role": "callpad", "window": 1, "logged_in": True, "staff": "1045", "post": "A",
         "ticket": "A012", "tstate": "called", "recalls": 1, "waiting": 7, "paused": False,
         "msg": "TIDAL WIN 5 OPEN", "reasons": ["lunch", "meeting"]}
    d.update(kw)
    return d


def test_keys_become_events_and_desired_state_reaches_the_screen(make_board, gateway):
    b = make_board("callpad", DEV, ui_words=False)   # English where the firmware has words of its own
    b.wait_until(lambda: gateway.online(DEV), 10, "online")
    b.wait_until(lambda: b.screen_text()[0] == "WIN 1   ONLINE", what="online screen")
    assert b.screen_text()[1] == "LOGGED OUT"
    b.type("1045")
    assert b.screen_text()[5] == "CODE ****"
    b.press("ok")
    login = gateway.wait(lambda: gateway.events_of(DEV, "login"), 5, "login")[0]
    assert login["staff"] == "1045" and login["seq"] == 1
    assert login["boot"] == gateway.availability[DEV]["boot"]

    rev = gateway.publish_desired(DEV, logged_in())
    b.wait_until(lambda: b.screen_text()[3] == "A012 CALLED R1", what="ticket on screen")
    text = b.screen_text()
    assert text[1] == "1045 A" and text[4] == "WAITING 7"
    b.wait_until(lambda: b.screen_text()[6] == "TIDAL WIN 5 OPEN", 5, "the message, once the note is gone")
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("rev") == rev, 5, "state reports the rev")

    b.press("call")       # each emulated press bounces on both edges
    b.press("start")
    b.press("finish")
    b.press("2")          # 承诺件
    b.press("pause")
    b.press("2")          # second reason from desired.reasons
    b.press("transfer")
    b.type("12")
    b.press("ok")
    b.press("eval")
    b.press("noshow")
    b.press("recall")
    gateway.wait(lambda: len(gateway.events_of(DEV)) >= 9, 5, "nine events")
    evs = gateway.events_of(DEV)
    assert [e["action"] for e in evs] == ["login", "call_next", "start", "finish", "pause", "transfer",
                                          "request_evaluation", "no_show", "recall"]
    assert [e["seq"] for e in evs] == list(range(1, 10))   # one event per press: bounces ignored
    assert evs[3]["case"] == "promised" and evs[4]["reason"] == "meeting" and evs[5]["to_window"] == 12

    gateway.publish_desired(DEV, logged_in(paused=True))
    b.wait_until(lambda: b.screen_text()[3].startswith("A012 PAUSED"), what="paused")
    b.press("pause")
    gateway.wait(lambda: gateway.events_of(DEV, "resume"), 5, "resume")
    b.press("finish", long=True)      # long press: 即办件 at once
    fin = gateway.wait(lambda: gateway.events_of(DEV, "finish")[1:], 5, "second finish")[0]
    assert fin["case"] == "immediate"
    b.press("back", long=True)
    gateway.wait(lambda: gateway.events_of(DEV, "logout"), 5, "logout")


def chinese(**kw):
    """A state in the hall's words, with the glyphs the gateway sends for it."""
    d = logged_in(staff="王芳", reasons=["会议", "培训", "外出办事", "临时离开", "就餐"],
                  msg="社保窗口排队较长,请开潮汐窗口五号", **kw)
    return dict(d, **glyphs(d["staff"], *d["reasons"], d["msg"]))


def test_the_screen_shows_the_halls_chinese_words_from_the_glyphs_the_gateway_sends(make_board, gateway):
    b = make_board("callpad", DEV)
    d = chinese()
    text = lambda: b.screen_text(d["gl"])   # noqa: E731
    gateway.publish_desired(DEV, dict(d, logged_in=False, staff="", ticket="", tstate=""))
    b.wait_until(lambda: text()[1] == "未登录", what="logged out, in the firmware's Chinese")
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: text()[1] == "王芳 A", what="the clerk's name")
    assert text()[3:5] == ["A012 CALLED R1", "WAITING 7"]
    # a message wider than the screen is paged, one screenful every 3 s
    b.wait_until(lambda: text()[6] == "社保窗口排队较长", what="first page of the message")
    b.wait_until(lambda: text()[6] == ",请开潮汐窗口五", 8, "second page")
    b.wait_until(lambda: text()[6] == "号", 8, "last page")
    b.press("pause")              # six reasons would not fit: three a page, the pause key turns it
    b.wait_until(lambda: text()[1::2] == ["1.会议", "2.培训", "3.外出办事", "1-5 PAUSE=MORE"], what="reasons 1-3")
    b.press("pause")
    b.wait_until(lambda: text()[1::2] == ["4.临时离开", "5.就餐", "", "1-5 PAUSE=MORE"], what="reasons 4-5")
    b.press("5")
    e = gateway.wait(lambda: gateway.events_of(DEV, "pause"), 5, "pause")[0]
    assert e["reason"] == "就餐"
    b.wait_until(lambda: text()[6] == "暂停已发送", what="the note in Chinese")
    gateway.publish_desired(DEV, dict(d, gl="", gb=""))
    b.wait_until(lambda: text()[1] == "?? A", what="no glyphs: '?' for each character")
    assert text()[4] == "WAITING 7"


def test_a_key_pressed_offline_is_refused_and_never_sent(make_board, gateway):
    b = make_board("callpad", DEV, ui_words=False)
    gateway.publish_desired(DEV, logged_in())
    b.wait_until(lambda: b.screen_text()[3] == "A012 CALLED R1", what="ticket")
    b.wifi(False)
    b.wait_until(lambda: "OFFLINE" in b.screen_text()[0], what="offline on screen")
    b.press("call")
    assert b.screen_text()[6] == "OFFLINE-NOT SENT"
    b.wifi(True)
    b.wait_until(lambda: "ONLINE" in b.screen_text()[0], 15, "back online")
    b.press("recall")
    gateway.wait(lambda: gateway.events_of(DEV, "recall"), 5, "recall after reconnect")
    assert gateway.events_of(DEV, "call_next") == []


def test_malformed_desired_state_is_logged_and_the_screen_kept(make_board, gateway):
    b = make_board("callpad", DEV)
    gateway.publish_desired(DEV, logged_in())
    b.wait_until(lambda: b.screen_text()[3] == "A012 CALLED R1", what="ticket")
    before = b.screen_text()
    gateway.publish_raw(DEV, b'{"v": 1, "rev": 99, "role": "callpad", "window": "one"}')
    b.wait_serial("desired ignored: missing field" if False else "desired ignored")
    gateway.publish_raw(DEV, b"\xff not json")
    b.wait_until(lambda: sum("desired ignored" in s for s in b.serial) >= 2, what="second refusal")
    assert b.screen_text() == before
    assert b.halted is None


def test_bad_config_stops_with_a_clear_console_line(make_board):
    b = make_board("callpad", DEV, window=0)
    b.wait_serial("config.json: field 'window' out of range 1..999")
    # fast blink: the error pattern of the status LED
    b.wait_until(lambda: len(b.status_led_trace(1.0)) >= 6, what="fast blink")


def test_the_clock_starts_unset_and_is_set_by_ntp_from_the_gateway_once_online(make_board, gateway):
    b = make_board("callpad", DEV, ntp_host="127.0.0.9")
    b.wait_until(lambda: gateway.online(DEV), 10, "online")
    b.type("1045")
    b.press("ok")
    login = gateway.wait(lambda: gateway.events_of(DEV, "login"), 5, "login")[0]
    assert abs(login["ts"] - time.time()) < 60      # the emulated RTC read 2000 until NTP answered
    assert b.ntp_asked[0] == "127.0.0.9"


def test_events_carry_the_unset_clock_until_ntp_answers(make_board, gateway):
    b = make_board("callpad", DEV, ntp=False)     # the gateway's NTP server does not answer
    b.wait_until(lambda: gateway.online(DEV), 10, "online")
    b.type("1")
    b.press("ok")
    first = gateway.wait(lambda: gateway.events_of(DEV, "login"), 5, "login")[0]
    assert first["ts"] < CLOCK_VALID              # sent as the device's clock says: the gateway judges it
    b.ntp(True)
    b.wifi(False)
    b.wifi(True)                  # a new link tries NTP again at once
    b.wait_until(lambda: len(b.ntp_asked) >= 2, 20, "NTP asked again on the new link")
    b.wait_until(lambda: gateway.online(DEV), 10, "online again")
    b.type("2")
    b.press("ok")
    second = gateway.wait(lambda: gateway.events_of(DEV, "login")[1:], 5, "second login")[0]
    assert abs(second["ts"] - time.time()) < 60


def test_a_call_whose_link_drops_before_the_ack_says_not_sent_and_is_never_sent_later(make_board, gateway):
    b = make_board("callpad", DEV)   # the firmware's own words in Chinese
    gateway.publish_desired(DEV, logged_in())
    b.wait_until(lambda: b.screen_text()[3] == "A012 CALLED R1", what="ticket")
    b.radio.set(False)            # the access point stops passing traffic: no PUBACK comes back
    b.press("call")
    b.wait_until(lambda: b.screen_text()[6] == "发送中", what="sending")
    b.wifi(False)                 # then the station drops off the air
    b.wait_until(lambda: b.screen_text()[6] == "未发送", what="refused on the screen")
    b.wifi(True)
    b.wait_until(lambda: "ONLINE" in b.screen_text()[0], 15, "back online")
    b.press("recall")             # a later action on the new link: a resent call would come first
    gateway.wait(lambda: gateway.events_of(DEV, "recall"), 5, "recall after reconnect")
    assert gateway.events_of(DEV, "call_next") == []


def test_the_clerk_attaches_the_case_number_to_the_ticket_held_and_to_the_one_just_finished(make_board, gateway):
    b = make_board("callpad", DEV, ui_words=False)
    gateway.publish_desired(DEV, logged_in(tstate="serving", recalls=0, msg=""))
    b.wait_until(lambda: b.screen_text()[3] == "A012 SERVING", what="serving")
    b.type("2024091500")
    assert b.screen_text()[5] == "CASE#2024091500"        # the digits typed so far
    b.type("0123456789")
    b.press("7")                                         # a 21st digit is not taken
    assert b.screen_text()[5] == "#" + "20240915000123456789"[-15:]   # the last digits, as the line holds
    b.press("ok")
    e = gateway.wait(lambda: gateway.events_of(DEV, "attach_case"), 5, "attach_case")[0]
    assert e["project"] == "20240915000123456789" and e["seq"] == 1 and e["type"] == "action"
    b.wait_until(lambda: b.screen_text()[6] == "SENT ATTACH_CASE", what="sent note")
    assert b.screen_text()[5] == ""

    # digits typed, then finish: the finish step's digit is the case type, as before
    b.type("55")
    b.press("finish")
    assert b.screen_text()[5] == "CASE 1-5 OK=IMM"
    b.press("2")
    fin = gateway.wait(lambda: gateway.events_of(DEV, "finish"), 5, "finish")[0]
    assert fin["case"] == "promised" and len(gateway.events_of(DEV, "attach_case")) == 1
    # finished, not yet rated: the window holds no ticket, the number goes to the one just finished
    gateway.publish_desired(DEV, logged_in(ticket="", tstate="", recalls=0, msg=""))
    b.wait_until(lambda: b.screen_text()[3] == "NO TICKET", what="finished")
    b.type("5501")
    b.press("ok")
    second = gateway.wait(lambda: gateway.events_of(DEV, "attach_case")[1:], 5, "second attach_case")[0]
    assert second["project"] == "5501"
    # the gateway's answer is the message line, as for every action
    d = logged_in(ticket="", tstate="", recalls=0, msg="已关联 办件 5501")
    d.update(glyphs(d["staff"], *d["reasons"], d["msg"]))
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: b.screen_text(d["gl"])[6] == "已关联 办件 5501", 8, "attached, in the gateway's words")
    # the other digit flows keep their meaning: transfer, then logged out the login code
    b.press("transfer")
    b.type("12")
    b.press("ok")
    assert gateway.wait(lambda: gateway.events_of(DEV, "transfer"), 5, "transfer")[0]["to_window"] == 12
    gateway.publish_desired(DEV, logged_in(logged_in=False, staff="", ticket="", tstate="", msg=""))
    b.wait_until(lambda: b.screen_text()[1] == "LOGGED OUT", what="logged out")
    b.type("1045")
    b.press("ok")
    assert gateway.wait(lambda: gateway.events_of(DEV, "login"), 5, "login")[0]["staff"] == "1045"
    assert [x["action"] for x in gateway.events_of(DEV)] == ["attach_case", "finish", "attach_case", "transfer",
                                                               "login"]
