"""Call pad under the real MicroPython unix port with emulated hardware:
keys become events on a real Mosquitto, desired state reaches the screen,
and every screen is in Chinese, read back from the screen's pixels."""
import time

from tests.support.browser_shots import save_png
from gateway.devices.desired import glyphs
from hil.hall.bridge import picture

CLOCK_VALID = 1577836800   # 2020-01-01: firmware/clock.py, earlier means unset
DEV = "w01-pad"
REASONS = ["会议", "培训", "外出办事", "临时离开", "就餐"]   # the hall file's default pause reasons
CASES = ("immediate", "promised", "joint", "reported", "refused")
FINISH_MENU = ["办结 A012 按1-5", "1即办件 2承诺件", "3联办件 4上报件", "5退办件 确认=1"]


def pad_state(**kw):
    """A call pad's desired state as the gateway sends it, with the glyphs of its words."""
    d = {"v": 1, "role": "callpad", "window": 1, "logged_in": True, "staff": "王芳", "post": "A",
         "ticket": "A012", "tstate": "called", "recalls": 0, "waiting": 7, "paused": False,
         "msg": "", "reasons": REASONS}
    d.update(kw)
    return dict(d, **glyphs(d["staff"], *d["reasons"], d.get("pause_reason", ""), d["msg"]))


def row(left, right):
    """A line with `right` flush with the screen's right edge, as the screen reads back."""
    px = sum(16 if ord(c) > 127 else 8 for c in left + right)
    return left + " " * ((128 - px) // 8) + right


def screen(b, d=None):
    return b.screen_text(d["gl"] if d else "")


def shows(b, lines, d=None, what="", timeout=10.0):
    """Wait until the screen reads `lines`, then check that nothing else is lit on it."""
    b.wait_until(lambda: screen(b, d) == lines, timeout, what or str(lines))
    assert b.screen_clean(d["gl"] if d else ""), f"stray pixels beside {lines}"


def shot(b, name):
    save_png(picture(b, scale=4), f"callpad-{name}")


def test_keys_become_events_and_desired_state_reaches_the_screen(make_board, gateway):
    b = make_board("callpad", DEV)
    b.wait_until(lambda: gateway.online(DEV), 10, "online")
    shows(b, [row("1号窗口", "在线"), "未登录", "请输入登录码", ""], what="logged out, online")
    b.type("1045")
    shows(b, [row("1号窗口", "在线"), "未登录", "登录码 ****", "按确认登录"], what="the code typed, hidden")
    shot(b, "code-entry")
    b.press("ok")
    login = gateway.wait(lambda: gateway.events_of(DEV, "login"), 5, "login")[0]
    assert login["staff"] == "1045" and login["seq"] == 1
    assert login["boot"] == gateway.availability[DEV]["boot"]

    d = pad_state(recalls=1)
    rev = gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候7人"), "王芳 A岗", "A012 重呼1次", ""], d, "the ticket, recalled once")
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("rev") == rev, 5, "state reports the rev")

    b.press("call")       # each emulated press bounces on both edges
    b.press("start")
    b.press("finish")
    b.press("2")          # 承诺件
    b.press("pause")
    b.press("2")          # the second of the hall's reasons
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
    assert evs[3]["case"] == "promised" and evs[4]["reason"] == "培训" and evs[5]["to_window"] == 12

    d = pad_state(paused=True, pause_reason="培训", ticket="", tstate="")
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候7人"), "王芳 A岗", "暂停中 培训", "按暂停键恢复"], d, "paused, and why", 15)
    b.press("pause")
    gateway.wait(lambda: gateway.events_of(DEV, "resume"), 5, "resume")
    b.press("finish", long=True)      # long press: 即办件 at once
    fin = gateway.wait(lambda: gateway.events_of(DEV, "finish")[1:], 5, "second finish")[0]
    assert fin["case"] == "immediate"
    b.press("back", long=True)
    gateway.wait(lambda: gateway.events_of(DEV, "logout"), 5, "logout")


def test_the_screens_of_a_called_a_serving_and_an_idle_window(make_board, gateway):
    b = make_board("callpad", DEV)
    d = pad_state()
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候7人"), "王芳 A岗", "A012 叫号中", ""], d, "called")
    shot(b, "called")
    d = pad_state(tstate="serving", waiting=2)
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候2人"), "王芳 A岗", "A012 办理中", ""], d, "serving")
    shot(b, "serving")
    d = pad_state(ticket="", tstate="", waiting=12, post="B", staff="欧阳建国")
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候12人"), "欧阳建国 B岗", "空闲", ""], d, "idle, the B post's clerk")
    shot(b, "idle")
    # a window of three digits and a long queue: the header still fits
    d = pad_state(window=118, waiting=1234)
    gateway.publish_desired(DEV, d)
    shows(b, [row("118号", "等候1234人"), "王芳 A岗", "A012 叫号中", ""], d, "three-digit window")


def test_the_halls_words_come_from_the_glyphs_the_gateway_sends_and_a_long_message_is_paged(make_board,
                                                                                            gateway):
    b = make_board("callpad", DEV)
    d = pad_state(msg="社保窗口排队较长,请开潮汐窗口五号")
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[:3] == [row("1号窗口", "等候7人"), "王芳 A岗", "A012 叫号中"],
                 what="the clerk's name")
    # a message wider than the screen is paged, one screenful every 3 s
    b.wait_until(lambda: screen(b, d)[3] == "社保窗口排队较长", what="first page of the message")
    b.wait_until(lambda: screen(b, d)[3] == ",请开潮汐窗口五", 8, "second page")
    b.wait_until(lambda: screen(b, d)[3] == "号", 8, "last page")
    assert b.screen_clean(d["gl"])
    # a message with spaces breaks after one, not inside a word
    d = pad_state(msg="已关联 办件 2024091500012345")
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[3] == "已关联 办件", what="first page, up to the space")
    b.wait_until(lambda: screen(b, d)[3] == "2024091500012345", 8, "the number whole on the next")
    b.press("pause")
    b.press("5")
    e = gateway.wait(lambda: gateway.events_of(DEV, "pause"), 5, "pause")[0]
    assert e["reason"] == "就餐"
    b.wait_until(lambda: screen(b, d)[3] == "暂停已发送", what="the note in Chinese")
    gateway.publish_desired(DEV, dict(d, gl="", gb=""))
    # no glyphs: '?' for each of the hall's characters, the firmware's own words still drawn
    b.wait_until(lambda: screen(b)[1] == "?? A岗", what="no glyphs: '?' for each character")
    assert screen(b)[0] == row("1号窗口", "等候7人")


def test_the_finish_menu_names_each_case_type_and_its_digit(make_board, gateway):
    b = make_board("callpad", DEV)
    d = pad_state(tstate="serving")
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候7人"), "王芳 A岗", "A012 办理中", ""], d, "serving")
    b.press("finish")
    shows(b, FINISH_MENU, d, "the finish menu")
    shot(b, "finish-menu")
    b.press("9")                  # no such case type: nothing sent, the menu stays
    b.press("0")
    assert screen(b, d) == FINISH_MENU and gateway.events_of(DEV) == []
    b.wifi(False)                 # picked offline: refused, and the menu's title says so
    b.wait_serial("device: Wi-Fi lost")
    b.press("3")
    shows(b, ["离线 未发送"] + FINISH_MENU[1:], d, "refused offline, in the menu")
    b.wifi(True)
    gateway.wait(lambda: gateway.online(DEV), 20, "online again")
    shows(b, FINISH_MENU, d, "the title back once the note is gone")
    assert gateway.events_of(DEV) == []
    b.press("back")               # cancelled
    shows(b, [row("1号窗口", "等候7人"), "王芳 A岗", "A012 办理中", ""], d, "back to the window")
    for digit, case in enumerate(CASES, 1):
        b.press("finish")
        shows(b, FINISH_MENU, d, "the finish menu again")
        b.press(str(digit))
        e = gateway.wait(lambda n=digit: gateway.events_of(DEV, "finish")[n - 1:], 5, f"finish {digit}")[0]
        assert e["case"] == case
        b.wait_until(lambda: screen(b, d)[3] == "办结已发送", what="sent")
    b.press("finish")
    b.press("ok")                 # ok: the first, 即办件
    e = gateway.wait(lambda: gateway.events_of(DEV, "finish")[5:], 5, "finish by ok")[0]
    assert e["case"] == "immediate"
    # no ticket held: the menu's title has none
    d = pad_state(ticket="", tstate="")
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[2] == "空闲", what="idle")
    b.press("finish")
    shows(b, ["办结 按1-5"] + FINISH_MENU[1:], d, "the menu without a ticket")


def test_the_pause_menu_lists_the_halls_reasons_with_their_digits_a_screenful_at_a_time(make_board, gateway):
    b = make_board("callpad", DEV)
    d = pad_state(ticket="", tstate="")
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[2] == "空闲", what="idle")
    b.press("pause")              # the hall file's five reasons fit one screen
    shows(b, ["暂停原因 按1-5", "1会议 2培训", "3外出办事", "4临时离开 5就餐"], d, "five reasons")
    shot(b, "pause-menu")
    b.press("back")
    # nine reasons, some long: three screens, the pause key turns them
    nine = REASONS + ["上级检查", "接待群众来访", "系统故障", "设备维护"]
    d = pad_state(ticket="", tstate="", reasons=nine)
    assert set("".join(nine)) <= set(d["gl"])      # every reason's glyphs travel with the state
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[2] == "空闲", what="idle")
    pages = [["原因1/3 暂停翻页", "1会议 2培训", "3外出办事", "4临时离开 5就餐"],
             ["原因2/3 暂停翻页", "6上级检查", "7接待群众来访", "8系统故障"],
             ["原因3/3 暂停翻页", "9设备维护", "", ""]]
    b.press("pause")
    for page in pages + pages[:1]:
        shows(b, page, d, page[0])
        b.press("pause")
    shows(b, pages[1], d, "round to the second")
    b.press("9")                  # a digit picks its reason whichever screen is shown
    e = gateway.wait(lambda: gateway.events_of(DEV, "pause"), 5, "pause")[0]
    assert e["reason"] == "设备维护"
    d = pad_state(ticket="", tstate="", reasons=nine, paused=True, pause_reason="设备维护")
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候7人"), "王芳 A岗", "暂停中 设备维护", "按暂停键恢复"], d, "paused")
    shot(b, "paused")


def test_a_key_pressed_offline_is_refused_and_never_sent(make_board, gateway):
    b = make_board("callpad", DEV)
    d = pad_state()
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[2] == "A012 叫号中", what="ticket")
    b.wifi(False)
    shows(b, [row("1号窗口", "离线"), "王芳 A岗", "A012 叫号中", ""], d, "offline instead of the stale count")
    b.press("call")
    shows(b, [row("1号窗口", "离线"), "王芳 A岗", "A012 叫号中", "离线 未发送"], d, "refused on the screen")
    b.wifi(True)
    b.wait_until(lambda: screen(b, d)[0] == row("1号窗口", "等候7人"), 15, "back online")
    b.press("recall")
    gateway.wait(lambda: gateway.events_of(DEV, "recall"), 5, "recall after reconnect")
    assert gateway.events_of(DEV, "call_next") == []


def test_malformed_desired_state_is_logged_and_the_screen_kept(make_board, gateway):
    b = make_board("callpad", DEV)
    d = pad_state()
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[2] == "A012 叫号中", what="ticket")
    before = screen(b, d)
    gateway.publish_raw(DEV, b'{"v": 1, "rev": 99, "role": "callpad", "window": "one"}')
    b.wait_serial("desired ignored")
    gateway.publish_raw(DEV, b"\xff not json")
    b.wait_until(lambda: sum("desired ignored" in s for s in b.serial) >= 2, what="second refusal")
    gateway.publish_raw(DEV, b'{"v": 1, "rev": 99, "role": "callpad", "window": 1, "logged_in": true, '
                             b'"waiting": 0, "paused": true, "pause_reason": "' + "很".encode() * 17 + b'"}')
    b.wait_until(lambda: sum("desired ignored" in s for s in b.serial) >= 3, what="a reason too long")
    assert screen(b, d) == before
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
    b = make_board("callpad", DEV)
    d = pad_state()
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: screen(b, d)[2] == "A012 叫号中", what="ticket")
    b.radio.set(False)            # the access point stops passing traffic: no PUBACK comes back
    b.press("call")
    b.wait_until(lambda: screen(b, d)[3] == "发送中", what="sending")
    b.wifi(False)                 # then the station drops off the air
    b.wait_until(lambda: screen(b, d)[3] == "未发送", what="refused on the screen")
    b.wifi(True)
    b.wait_until(lambda: screen(b, d)[0] == row("1号窗口", "等候7人"), 15, "back online")
    b.press("recall")             # a later action on the new link: a resent call would come first
    gateway.wait(lambda: gateway.events_of(DEV, "recall"), 5, "recall after reconnect")
    assert gateway.events_of(DEV, "call_next") == []


def test_the_clerk_attaches_the_case_number_and_the_screen_is_redrawn_clean(make_board, gateway):
    b = make_board("callpad", DEV)
    d = pad_state(tstate="serving")
    serving = [row("1号窗口", "等候7人"), "王芳 A岗", "A012 办理中"]
    gateway.publish_desired(DEV, d)
    shows(b, serving + [""], d, "serving")
    b.type("2024091500")
    shows(b, serving[:2] + ["办件编号 10位", "2024091500"], d, "the digits typed so far")
    shot(b, "case-number")
    b.type("0123456789")
    b.press("7")                                         # a 21st digit is not taken
    shows(b, serving[:2] + ["办件编号 20位", "0915000123456789"], d, "its last digits, as the line holds")
    b.press("ok")
    e = gateway.wait(lambda: gateway.events_of(DEV, "attach_case"), 5, "attach_case")[0]
    assert e["project"] == "20240915000123456789" and e["seq"] == 1 and e["type"] == "action"
    shows(b, serving + ["关联已发送"], d, "sent: the ticket back, the digits gone")

    # digits typed, then finish: the finish step's digit is the case type, as before
    b.type("55")
    b.press("finish")
    shows(b, FINISH_MENU, d, "the typed digits give way to the menu")
    b.press("2")
    fin = gateway.wait(lambda: gateway.events_of(DEV, "finish"), 5, "finish")[0]
    assert fin["case"] == "promised" and len(gateway.events_of(DEV, "attach_case")) == 1
    # finished, not yet rated: the window holds no ticket, the number goes to the one just finished
    d = pad_state(ticket="", tstate="")
    gateway.publish_desired(DEV, d)
    shows(b, serving[:2] + ["空闲", ""], d, "finished", 8)
    b.type("5501")
    shows(b, serving[:2] + ["办件编号 4位", "5501"], d, "a short case number")
    b.press("ok")
    second = gateway.wait(lambda: gateway.events_of(DEV, "attach_case")[1:], 5, "second attach_case")[0]
    assert second["project"] == "5501"
    # the gateway's answer is the message line: nothing of the typed number is left beside it
    d = pad_state(ticket="", tstate="", msg="已关联 办件 5501")
    gateway.publish_desired(DEV, d)
    shows(b, serving[:2] + ["空闲", "已关联 办件 5501"], d, "attached, in the gateway's words", 8)
    shot(b, "case-attached")
    # the other digit flows keep their meaning: transfer, then logged out the login code
    b.press("transfer")
    shows(b, serving[:2] + ["空闲", "转到窗口:"], d, "where to")
    b.type("12")
    shows(b, serving[:2] + ["空闲", "转到窗口:12"], d, "window 12")
    b.press("ok")
    assert gateway.wait(lambda: gateway.events_of(DEV, "transfer"), 5, "transfer")[0]["to_window"] == 12
    b.type("99")                  # digits typed while the login state changes are dropped
    d = pad_state(logged_in=False, staff="", ticket="", tstate="")
    gateway.publish_desired(DEV, d)
    shows(b, [row("1号窗口", "等候7人"), "未登录", "请输入登录码", ""], d, "logged out")
    b.type("1045")
    b.press("ok")
    assert gateway.wait(lambda: gateway.events_of(DEV, "login"), 5, "login")[0]["staff"] == "1045"
    assert [x["action"] for x in gateway.events_of(DEV)] == ["attach_case", "finish", "attach_case", "transfer",
                                                               "login"]
