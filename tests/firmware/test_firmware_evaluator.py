"""Evaluator (好差评评价器) under the real MicroPython unix port with emulated
hardware: LEDs lit only on a prompt, five levels, the reason step, one rating
per prompt, and the flash queue that survives an outage and a power cut."""
import json

from tests.support.browser_shots import save_png
from gateway.devices.desired import glyphs
from hil.hall.bridge import picture
from hil.board.day import check_healthy

DEV = "w01-eval"
KEYS = ("very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied")   # levels 5..1
LEVEL_LEDS = dict.fromkeys(KEYS, 1)
DARK = dict.fromkeys(KEYS, 0)


def state(mode="idle", **kw):
    d = {"v": 1, "role": "evaluator", "window": 1, "mode": mode}
    d.update(kw)
    return d


def prompt(pid, **kw):
    return state("prompt", **dict({"prompt": pid, "staff": "1045"}, **kw))


def shown(b, chars=""):
    """The screen's lines that hold anything, top to bottom."""
    return [ln for ln in b.screen_text(chars) if ln]


def level_leds(b):
    return {k: v for k, v in b.leds().items() if k != "status"}


def ratings(gateway, pid=None):
    return [e for e in gateway.events_of(DEV, "rating") if pid is None or e["prompt"] == pid]


def queued(b):
    """The ratings waiting in the flash journal (firmware/ratings.py)."""
    p = b.flash / "ratings.log"
    out = []
    for ln in p.read_bytes().split(b"\n") if p.exists() else ():
        if ln[:1] == b"Q":
            try:
                out.append(json.loads(ln[1:]))
            except ValueError:
                pass    # a line torn by a power cut, as the firmware skips it
    return out


def test_leds_light_only_on_a_prompt_and_each_level_rates_once(make_board, gateway):
    b = make_board("evaluator", DEV)
    b.wait_until(lambda: gateway.online(DEV), 10, "online")
    gateway.publish_desired(DEV, state())
    b.wait_until(lambda: b.screen_text()[0] == "欢迎", what="welcome")
    assert level_leds(b) == DARK
    b.press("satisfied")          # no prompt: the keys are dark and do nothing
    for i, key in enumerate(KEYS):
        pid = f"p-{i}"
        gateway.publish_desired(DEV, prompt(pid))
        b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what=f"LEDs lit for {pid}")
        # The LED pins reach the host a moment before the screen's I2C writes: the last
        # prompt's 谢谢 may still be on it when the LEDs light.
        b.wait_until(lambda: shown(b) == ["请您评价", "工作人员 1045"], what=f"the prompt {pid} on the screen")
        b.press(key)
        b.wait_until(lambda: level_leds(b) == DARK, what="LEDs dark after the rating")
        b.press(KEYS[0])          # a second press on the same prompt is ignored
        gateway.wait(lambda p=pid: ratings(gateway, p), 5, f"rating for {pid}")
    b.wait_until(lambda: b.screen_text()[0] == "谢谢", what="thanks")
    got = ratings(gateway)
    assert [(e["prompt"], e["level"]) for e in got] == [(f"p-{i}", 5 - i) for i in range(5)]
    assert all("reasons" not in e for e in got)   # no reasons offered: 差评 sent at once
    assert [e["seq"] for e in got] == [1, 2, 3, 4, 5]
    gateway.publish_desired(DEV, state("thanks", acked=[f"p-{i}" for i in range(5)]))
    b.wait_until(lambda: queued(b) == [], what="flash queue emptied by acked")


def test_bad_rating_opens_the_reason_step_with_the_gateways_reasons(make_board, gateway):
    b = make_board("evaluator", DEV)
    reasons = dict(reasons=["slow", "rude", "unclear"], rtexts=["SLOW", "RUDE", "UNCLEAR"], rv="rv7")
    gateway.publish_desired(DEV, prompt("p-bad", **reasons))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit")
    b.press("unsatisfied")
    b.wait_until(lambda: b.screen_text()[0] == "请选择原因", what="reason step")
    assert level_leds(b) == dict(DARK, unsatisfied=1)    # only the chosen level stays lit
    assert shown(b) == ["请选择原因", "> SLOW", "  RUDE", "  UNCLEAR"]
    b.press("very_satisfied")     # level keys do nothing while choosing reasons
    b.press("next")
    b.press("pick")               # rude
    b.press("next")
    b.press("pick")               # unclear
    b.press("pick")               # unticks it
    b.press("pick")               # and ticks it again
    b.wait_until(lambda: shown(b)[2:] == [" *RUDE", ">*UNCLEAR"], what="two ticked")
    b.press("done")
    e = gateway.wait(lambda: ratings(gateway, "p-bad"), 5, "rating")[0]
    assert e["level"] == 2 and e["reasons"] == ["rude", "unclear"] and e["rv"] == "rv7"
    assert len(ratings(gateway)) == 1
    b.press("unsatisfied")        # one rating per prompt, even with the prompt still up
    b.press("done")
    assert level_leds(b) == DARK
    gateway.publish_desired(DEV, prompt("p-bad2", **reasons))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit again")
    b.press("very_unsatisfied")
    b.press("done")               # nothing ticked: a 差评 without reasons
    e = gateway.wait(lambda: ratings(gateway, "p-bad2"), 5, "second rating")[0]
    assert e["level"] == 1 and "reasons" not in e and "rv" not in e
    assert len(ratings(gateway)) == 2


def test_a_new_reasons_version_during_the_reason_step_is_picked_from_again(make_board, gateway):
    b = make_board("evaluator", DEV)
    old = dict(reasons=["slow", "rude", "unclear"], rtexts=["SLOW", "RUDE", "UNCLEAR"], rv="2026.1")
    gateway.publish_desired(DEV, prompt("p-v", **old))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit")
    b.press("unsatisfied")
    b.press("next")
    b.press("next")
    b.press("pick")               # unclear, the third of the old list
    b.wait_until(lambda: shown(b)[1:] == ["  SLOW", "  RUDE", ">*UNCLEAR"], what="ticked on the old list")
    # the province's next version arrives while the citizen is choosing (the gateway's content_changed)
    gateway.publish_desired(DEV, prompt("p-v", reasons=["21"], rtexts=["WAIT"], rv="2026.2"))
    b.wait_until(lambda: shown(b) == ["请选择原因", "> WAIT"], what="the new list, nothing ticked")
    b.press("next")               # one reason: the cursor stays on it (the old cursor would be past the end)
    b.press("pick")
    b.press("done")
    e = gateway.wait(lambda: ratings(gateway, "p-v"), 5, "rating")[0]
    assert (e["level"], e["reasons"], e["rv"]) == (2, ["21"], "2026.2")   # codes of the list named by rv
    assert "render" not in b.console()


def test_the_screen_speaks_chinese_with_the_glyphs_the_gateway_sends(make_board, gateway):
    b = make_board("evaluator", DEV)
    rtexts = ["服务态度差", "办事效率低", "一次告知不到位", "多次跑动", "办事指南内容不清晰"]
    d = prompt("p-zh", staff="王芳", reasons=["01", "02", "03", "04", "99"], rtexts=rtexts, rv="2026.1")
    d.update(glyphs(d["staff"], *rtexts))
    gateway.publish_desired(DEV, d)
    b.wait_until(lambda: shown(b, d["gl"]) == ["请您评价", "工作人员 王芳"], what="the prompt in Chinese")
    save_png(picture(b, scale=4), "evaluator-prompt")
    b.press("very_unsatisfied")
    b.wait_until(lambda: shown(b, d["gl"]) == ["请选择原因", "> 服务态度差", "  办事效率低", "  一次告知不到位"],
                 what="the reasons in Chinese")
    for _ in range(4):
        b.press("next")           # three at a time: the list follows the cursor
    b.press("pick")
    b.wait_until(lambda: shown(b, d["gl"])[1:] == ["  一次告知不到位", "  多次跑动", ">*办事指南内容不"],
                 what="last reason ticked")
    save_png(picture(b, scale=4), "evaluator-reasons")
    # wider than its line: the reason under the cursor runs along to its end
    b.wait_until(lambda: shown(b, d["gl"])[3] == ">*事指南内容不清", 5, "running on")
    b.wait_until(lambda: shown(b, d["gl"])[3] == ">*指南内容不清晰", 5, "its end")
    b.press("done")
    e = gateway.wait(lambda: ratings(gateway, "p-zh"), 5, "rating")[0]
    assert e["level"] == 1 and e["reasons"] == ["99"] and e["rv"] == "2026.1"
    b.wait_until(lambda: shown(b, d["gl"]) == ["谢谢"], what="thanks in Chinese")


def test_offline_rating_is_kept_in_flash_until_acked_and_survives_power_cycle(make_board, gateway):
    b = make_board("evaluator", DEV)
    gateway.publish_desired(DEV, prompt("p-off"))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit")
    b.wifi(False)
    b.wait_until(lambda: "离线" in b.screen_text(), what="offline on screen")
    b.press("basic")
    b.wait_until(lambda: queued(b), what="rating in flash")
    [stored] = queued(b)
    assert stored["prompt"] == "p-off" and stored["level"] == 3
    b.power_cycle()               # a power cut before the rating went out
    assert queued(b) == [stored]
    b.wifi(True)                  # the access point back after the reboot
    e = gateway.wait(lambda: ratings(gateway, "p-off"), 15, "rating after reboot")[0]
    # delivered as made: the first boot's identity and its rated_at
    assert {k: e[k] for k in stored} == stored
    assert e["boot"] != gateway.availability[DEV]["boot"]
    assert b.leds()["very_satisfied"] == 0   # rated: the prompt stays dark after the reboot
    assert queued(b) == [stored]  # delivered, but not deleted before the gateway acks it
    b.wifi(False)
    b.wifi(True)                  # a new link re-sends what is not acked yet
    gateway.wait(lambda: len(ratings(gateway, "p-off")) >= 2, 15, "re-sent after reconnect")
    assert {(x["boot"], x["seq"], x["rated_at"]) for x in ratings(gateway, "p-off")} == \
        {(stored["boot"], stored["seq"], stored["rated_at"])}
    gateway.publish_desired(DEV, state("thanks", acked=["p-off"]))
    b.wait_until(lambda: queued(b) == [], what="deleted once acked")
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("queued") == 0, 5, "state reports an empty queue")


def test_a_prompt_goes_dark_on_its_own_after_its_timeout_while_offline(make_board, gateway):
    b = make_board("evaluator", DEV)
    reasons = dict(reasons=["slow", "rude"], rtexts=["SLOW", "RUDE"], rv="rv7")
    gateway.publish_desired(DEV, prompt("p-stale", timeout=3, **reasons))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit")
    b.wifi(False)                 # the gateway cannot withdraw the prompt now
    b.wait_until(lambda: "离线" in b.screen_text(), what="offline on screen")
    b.press("unsatisfied")        # a citizen starts choosing reasons, and walks away
    b.wait_until(lambda: b.screen_text()[0] == "请选择原因", what="reason step")
    b.wait_until(lambda: level_leds(b) == DARK, 10, "prompt timed out on the device")
    b.wait_serial("evaluator: prompt p-stale timed out")
    b.press("pick")
    b.press("done")               # the abandoned reason step sends nothing
    b.press("very_satisfied")     # nor does the next citizen's key
    assert queued(b) == [] and level_leds(b) == DARK
    b.wifi(True)
    gateway.publish_desired(DEV, prompt("p-next"))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, 15, "next prompt lit")
    b.press("satisfied")
    gateway.wait(lambda: ratings(gateway, "p-next"), 10, "rating of the next prompt")
    assert ratings(gateway) == ratings(gateway, "p-next")   # the stale prompt was never rated


def test_a_torn_last_line_is_skipped_and_the_ratings_before_it_kept(make_board, gateway, tmp_path):
    b = make_board("evaluator", DEV)
    gateway.publish_desired(DEV, prompt("p-kept"))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="LEDs lit")
    b.wifi(False)
    b.press("basic")
    b.wait_until(lambda: queued(b), what="rating in flash")
    [kept] = queued(b)
    b.stop()
    with open(b.flash / "ratings.log", "ab") as f:   # power cut in the middle of the next rating
        f.write(b'Q{"v": 1, "dev": "w01-eval", "boot": "0')
    b = make_board("evaluator", DEV)
    gateway.publish_desired(DEV, prompt("p-after"))
    b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what="next prompt lit")
    b.press("satisfied")
    gateway.wait(lambda: ratings(gateway, "p-after"), 10, "the new rating")
    e = gateway.wait(lambda: ratings(gateway, "p-kept"), 10, "the kept rating")[0]
    assert {k: e[k] for k in kept} == kept
    assert [q["prompt"] for q in queued(b)] == ["p-kept", "p-after"]
    gateway.publish_desired(DEV, state("thanks", acked=["p-kept", "p-after"]))
    b.wait_until(lambda: queued(b) == [], what="acked and compacted")
    assert b.flash.joinpath("ratings.log").read_text() == 'D"p-kept"\nD"p-after"\n'


def test_a_queue_left_by_the_old_whole_file_format_is_taken_over(make_board, gateway, tmp_path):
    old = {"v": 1, "dev": DEV, "boot": "0badc0de", "seq": 4, "ts": 1700000000, "type": "rating",
           "prompt": "p-old", "level": 4, "rated_at": 1700000000}
    flash = tmp_path / DEV / "flash"
    flash.mkdir(parents=True)
    (flash / "ratings.json").write_text(json.dumps({"queue": [old], "done": ["p-older"]}))
    b = make_board("evaluator", DEV)
    assert gateway.wait(lambda: ratings(gateway, "p-old"), 10, "old rating sent")[0] == old
    assert queued(b) == [old] and not (flash / "ratings.json").exists()
    gateway.publish_desired(DEV, prompt("p-older"))   # rated before the update: stays dark
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("rev") == gateway.rev, 10, "prompt applied")
    assert level_leds(b) == DARK


def test_200_unacknowledged_ratings_live_in_flash_not_ram_and_arrive_once_after_a_reconnect(make_board, gateway):
    """The queue holds every rating the gateway has not acknowledged. Prompts
    need a link, so the board stays connected while the gateway's intake is
    away (the stub ignores events: each first send reaches no one); then the
    board drops off the air and comes back, and the new link sends all."""
    n = 200
    b = make_board("evaluator", DEV)
    gateway.deaf = True
    for i in range(n):
        gateway.publish_desired(DEV, prompt(f"p-{i:03d}"))
        b.wait_until(lambda: level_leds(b) == LEVEL_LEDS, what=f"prompt {i} lit")
        b.press(KEYS[i % 5])      # seen and journaled before the press returns
    b.wait_until(lambda: len(queued(b)) == n, what="all in flash")
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("queued") == n, 10, "state reports the queue")
    gateway.deaf = False
    b.wifi(False)
    b.wifi(True)
    got = gateway.wait(lambda: len(ratings(gateway)) >= n and ratings(gateway), 60, "every rating re-sent")
    assert sorted(e["prompt"] for e in got) == [f"p-{i:03d}" for i in range(n)]   # each once
    assert [e["seq"] for e in got] == list(range(1, n + 1))
    assert [e["level"] for e in got] == [5 - i % 5 for i in range(n)]
    pids = [f"p-{i:03d}" for i in range(n)]
    for k in range(0, n, 16):     # desired.acked carries at most 16 prompts
        gateway.publish_desired(DEV, state("thanks", acked=pids[k:k + 16]))
    gateway.wait(lambda: gateway.state.get(DEV, {}).get("queued") == 0, 20, "queue emptied")
    assert queued(b) == []
    mem = b.mem()
    assert mem["peak"] < 96 * 1024
    check_healthy(b)
