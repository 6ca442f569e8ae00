"""The device plane's pure core: intake, commands, window view, desired state."""
import base64
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from gateway.config import load_file
from gateway.devices import commands, desired, hours, intake, view
from gateway.devices.published import Published
from protocols import desired as wire
from protocols import events, status, topics
from tests.support import ROOT

HALL = load_file(ROOT / "hall_config" / "county.toml")
VILLAGE = load_file(ROOT / "hall_config" / "village.toml")
DEVICES = {d.id: d for d in HALL.devices}
H = HALL.id


def classify(dev, kind, payload):
    return intake.classify(H, DEVICES, topics.device(H, dev, kind), payload)


def test_intake_accepts_a_call_pad_action_for_its_own_window():
    e = events.action("w03-pad", "b00t", 5, 1, "call_next")
    m = classify("w03-pad", "event", events.encode(e).encode())
    assert isinstance(m, intake.Event) and m.window == 3 and m.event == e


@pytest.mark.parametrize("dev, kind, payload, reason", [
    ("w99-pad", "event", events.encode(events.action("w99-pad", "b", 1, 1, "call_next")), "not configured"),
    ("w03-pad", "event", events.encode(events.action("w04-pad", "b", 1, 1, "call_next")), "names device"),
    ("w03-eval", "event", events.encode(events.action("w03-eval", "b", 1, 1, "call_next")), "may not send action"),
    ("w03-pad", "event", events.encode(events.rating("w03-pad", "b", 1, 1, "p1", 5, 1)), "may not send rating"),
    ("w03-led", "event", events.encode(events.action("w03-led", "b", 1, 1, "recall")), "may not send"),
    ("w03-pad", "event", b"\xff\xfe", "not UTF-8"),
    ("w03-pad", "event", b"{", "not JSON"),
    ("w03-pad", "event", b'{"v": 2}', "version"),
    ("w03-pad", "event", b"x" * 5000, "exceeds"),
    ("w03-pad", "event", b'{"v":1,"dev":"w03-pad","boot":"b","seq":1,"ts":0,"type":"action","action":"explode"}',
     "unknown value"),
    ("w03-pad", "state", status.encode_state({"dev": "w03-pad", "boot": "b", "role": "display", "fw": "1",
                                              "uptime": 1, "rev": 0}), "configured as"),
    ("w03-pad", "availability", b'{"v":1,"online":"yes"}', "wrong type"),
])
def test_intake_drops_with_a_reason(dev, kind, payload, reason):
    m = classify(dev, kind, payload.encode() if isinstance(payload, str) else payload)
    assert isinstance(m, intake.Drop) and reason in m.reason


def test_intake_drops_foreign_and_bad_topics():
    assert "another hall" in intake.classify(H, DEVICES, "hall/other/device/w01-pad/event", b"{}").reason
    assert "bad topic" in intake.classify(H, DEVICES, "hall/x/y", b"{}").reason
    assert "gateway" in intake.classify(H, DEVICES, topics.gateway_availability(H), b"{}").reason


def test_intake_reads_state_and_availability():
    st = status.encode_state({"dev": "w01-led", "boot": "b1", "role": "display", "fw": "0.3", "uptime": 9,
                              "rev": 4, "rssi": -61, "heap": 41000})
    m = classify("w01-led", "state", st.encode())
    assert isinstance(m, intake.State) and m.state["heap"] == 41000
    m = classify("w01-led", "availability", status.availability(False).encode())
    assert m == intake.Availability("w01-led", False, None)


def test_actions_map_one_to_one_onto_engine_commands():
    e = events.action("w03-pad", "b", 9, 1, "login", staff="1005")
    assert commands.from_event(3, e, 100.0) == {"type": "login", "at": 100.0, "window": 3, "staff_code": "1005",
                                                "origin": {"dev": "w03-pad", "boot": "b", "seq": 9}}
    c = commands.from_event(3, events.action("w03-pad", "b", 10, 1, "call_ticket", ticket="A012"), 1.0)
    assert c["type"] == "call_ticket" and c["number"] == "A012"
    c = commands.from_event(3, events.action("w03-pad", "b", 11, 1, "finish", case="promised"), 1.0)
    assert c["case_type"] == "promised"
    c = commands.from_event(3, events.action("w03-pad", "b", 12, 1, "transfer", to_window=5), 1.0)
    assert c["to_window"] == 5 and c["window"] == 3
    c = commands.from_event(3, events.action("w03-pad", "b", 13, 1, "pause", reason="会议", until="14:30"), 1.0)
    assert (c["reason"], c["until"]) == ("会议", "14:30")
    r = commands.from_event(3, events.rating("w03-eval", "b", 2, 1, "p7", 1, 50, reasons=["01"]), 2.0)
    assert r == {"type": "rate", "at": 2.0, "window": 3, "prompt": "p7", "level": 1, "reasons": ["01"],
                 "rated_at": 50, "origin": {"dev": "w03-eval", "boot": "b", "seq": 2}}


def fold(evs, v=None):
    v = v or view.empty(w.number for w in HALL.windows)
    touched = set()
    for e in evs:
        v, t = view.apply(v, e, lambda n: HALL.window(n).services)
        touched |= t
    return v, touched


def wc(window, status, number="", staff="s005", **kw):
    return {"type": "window_changed", "at": 1.0, "window": window, "status": status, "ticket": number and "t-" + number,
            "number": number, "staff": staff, "paused_reason": kw.get("reason"), "until": kw.get("until")}


def states(v, window, bright=15):
    out = desired.for_window(HALL, v, window, bright)
    for d in out.values():
        wire.validate({**d, "v": 1, "rev": 1})
    return out


def test_calling_a_ticket_shows_on_display_and_call_pad():
    v, touched = fold([wc(3, "calling", "A012"),
                       {"type": "ticket_called", "at": 1.0, "window": 3, "ticket": "t-A012", "number": "A012",
                        "staff": "s005", "recall": 0},
                       {"type": "queue_changed", "at": 1.0, "waiting": {"ZH": 4, "SB": 2, "TY": 7}}])
    assert 3 in touched
    s = states(v, 3)
    assert s["w03-led"]["text"] == "3号 综合受理 A012" and s["w03-led"]["ticket"] == "A012"
    assert s["w03-led"]["scroll"] is True  # 136 px on a 128 px panel
    pad = s["w03-pad"]
    assert (pad["ticket"], pad["tstate"], pad["waiting"], pad["post"], pad["staff"]) == ("A012", "called", 6, "A",
                                                                                        HALL.staff_member("s005").name)


def test_screens_carry_the_glyph_of_every_chinese_character_they_show():
    from gateway.display.render import glyph
    v, _ = fold([wc(3, "paused", reason="外出办事", until="14:30"),
                 {"type": "evaluation_requested", "at": 10.0, "prompt": "p1", "window": 3, "ticket": "t-A012",
                  "number": "A012", "staff": "s005", "service": "ZH", "timeout": 60}])
    s = states(v, 3)
    for dev in ("w03-pad", "w03-eval"):
        d = s[dev]
        shown = d["staff"] + "".join(d.get("rtexts", d.get("reasons"))) + d.get("msg", "")
        assert d["gl"] == "".join(dict.fromkeys(c for c in shown if ord(c) > 127))
        bits = base64.b64decode(d["gb"])
        assert [bits[i * 32:i * 32 + 32] for i in range(len(d["gl"]))] == [glyph(c) for c in d["gl"]]
    name = HALL.staff_member("s005").name
    assert s["w03-pad"]["staff"] == name and set(name) <= set(s["w03-pad"]["gl"])


def test_glyphs_past_the_cap_are_dropped_the_first_texts_first():
    many = "".join(chr(0x4E00 + i) for i in range(wire.GLYPHS_MAX + 20))
    g = desired.glyphs("王芳", many)
    assert g["gl"] == ("王芳" + many)[:wire.GLYPHS_MAX]     # the rest are drawn as '?'

    wire.check_glyphs(g["gl"], g["gb"])
    assert desired.glyphs("ABC 12")["gl"] == ""     # ASCII: the device's own font


def test_queue_change_touches_only_windows_serving_that_service():
    v, _ = fold([])
    _, touched = fold([{"type": "queue_changed", "at": 1.0, "waiting": {"TY": 1}}], v)
    assert touched and all("TY" in HALL.window(n).services for n in touched)


def test_pause_note_on_the_display():
    v, _ = fold([wc(3, "paused", reason="会议", until="14:30")])
    s = states(v, 3)
    assert s["w03-led"]["text"] == "暂停 会议 14:30回" and s["w03-pad"]["paused"] is True
    assert s["w03-pad"]["pause_reason"] == "会议" and "pause_reason" not in states(fold([])[0], 3)["w03-pad"]


def test_closed_window_and_logged_out_pad():
    v, _ = fold([])
    s = states(v, 1)
    assert s["w01-pad"]["logged_in"] is False and s["w01-led"]["status"] == "closed"


def test_evaluator_prompt_rating_thanks_and_timeout():
    req = {"type": "evaluation_requested", "at": 10.0, "prompt": "p1", "window": 3, "ticket": "t-A012",
           "number": "A012", "staff": "s005", "service": "ZH", "timeout": 60}
    v, _ = fold([req])
    e = states(v, 3)["w03-eval"]
    assert (e["mode"], e["prompt"], e["timeout"]) == ("prompt", "p1", 60)
    assert e["reasons"][0] == "01" and len(e["reasons"]) == len(e["rtexts"])
    v2, _ = fold([{"type": "rating_recorded", "at": 20.0, "prompt": "p1", "window": 3, "ticket": "t-A012",
                   "staff": "s005", "service": "ZH", "level": 5, "reasons": []}], v)
    e = states(v2, 3)["w03-eval"]
    assert e["mode"] == "thanks" and e["acked"] == ["p1"] and "prompt" not in e
    v3, touched = view.expire(v2, 23.0)
    assert not touched
    v3, touched = view.expire(v2, 24.0)
    assert touched == {3} and states(v3, 3)["w03-eval"]["mode"] == "idle"
    # Timed out: back to idle, nothing acked, no level invented.
    v4, _ = fold([{"type": "evaluation_timed_out", "at": 70.0, "prompt": "p1", "window": 3, "ticket": "t-A012",
                   "staff": "s005", "service": "ZH"}], v)
    e = states(v4, 3)["w03-eval"]
    assert e["mode"] == "idle" and e["acked"] == []


def test_acked_keeps_the_16_most_recent():
    v, _ = fold([])
    for i in range(20):
        v, _ = view.acked(v, 3, f"p{i}")
    assert v.windows[3].acked == tuple(f"p{i}" for i in range(4, 20))
    _, touched = view.acked(v, 3, "p19")
    assert touched == set()


def test_refusal_is_shown_on_the_call_pad_and_cleared_by_the_next_change():
    v, _ = fold([])
    v, touched = view.message(v, 3, "没有等候的号")
    assert touched == {3} and states(v, 3)["w03-pad"]["msg"] == "没有等候的号"
    v, _ = fold([wc(3, "idle")], v)
    assert states(v, 3)["w03-pad"]["msg"] == ""


def test_events_for_unknown_windows_change_nothing():
    v, _ = fold([])
    v2, touched = fold([wc(77, "calling", "A001"), {"type": "alert", "at": 1, "kind": "tidal"}], v)
    assert v2 == v and touched == set()


def test_dim_outside_opening_hours():
    tz = ZoneInfo(HALL.timezone)

    def at(y, m, d, hh, mm):
        return dt.datetime(y, m, d, hh, mm, tzinfo=tz).timestamp()
    assert hours.brightness(HALL, at(2026, 9, 14, 10, 0)) == hours.BRIGHT   # Monday morning
    assert hours.brightness(HALL, at(2026, 9, 14, 12, 30)) == hours.BRIGHT  # lunch-time service
    assert hours.brightness(HALL, at(2026, 9, 14, 21, 0)) == hours.DIM
    assert hours.brightness(HALL, at(2026, 10, 1, 10, 0)) == hours.DIM     # holiday
    assert hours.brightness(HALL, at(2026, 9, 27, 10, 0)) == hours.BRIGHT  # 调休 Sunday
    assert hours.brightness(HALL, at(2026, 9, 17, 18, 0)) == hours.BRIGHT  # Thursday 延时服务
    assert hours.brightness(VILLAGE, at(2026, 9, 14, 12, 30)) == hours.DIM  # no lunch service


def test_published_raises_rev_only_on_change_and_survives_restart(tmp_path):
    v, _ = fold([])
    s = desired.for_window(HALL, v, 3, 15)
    p = Published(tmp_path / "d.sqlite")
    first = p.changes(s)
    assert sorted(d for d, _ in first) == ["w03-eval", "w03-led", "w03-pad"]
    assert all(json.loads(raw)["rev"] == 1 for _, raw in first)
    assert p.changes(s) == []
    p.close()
    p = Published(tmp_path / "d.sqlite")
    assert p.changes(s) == []
    v, _ = fold([wc(3, "idle")], v)
    again = dict(p.changes(desired.for_window(HALL, v, 3, 15)))
    assert json.loads(again["w03-led"])["rev"] == 2
    p.close()


def test_invalid_desired_state_is_not_published(tmp_path):
    p = Published(tmp_path / "d.sqlite")
    assert p.changes({"w03-pad": {"role": "callpad", "window": 3}}) == []
    p.close()


def test_attach_case_maps_onto_the_engines_attach_case_command():
    e = events.action("w03-pad", "b", 14, 1, "attach_case", project="20240915000123")
    m = classify("w03-pad", "event", events.encode(e).encode())
    assert isinstance(m, intake.Event) and m.window == 3
    assert commands.from_event(m.window, m.event, 5.0) == {
        "type": "attach_case", "at": 5.0, "window": 3, "project_no": "20240915000123",
        "origin": {"dev": "w03-pad", "boot": "b", "seq": 14}}
    bad = dict(e, project="2024 0915")
    assert "A-Z a-z 0-9 -" in classify("w03-pad", "event", json.dumps(bad).encode()).reason


NEW = {"version": "2026.2", "reasons": [{"code": "21", "text": "等候时间长"}, {"code": "22", "text": "材料反复要求"}]}


def test_evaluators_show_the_engines_content_and_the_hall_files_without_it():
    req = {"type": "evaluation_requested", "at": 10.0, "prompt": "p1", "window": 3, "ticket": "t-A012",
           "number": "A012", "staff": "s005", "service": "ZH", "timeout": 60}
    v, _ = fold([req])
    old = states(v, 3)["w03-eval"]
    assert old["rv"] == HALL.evaluation.reasons_version and old["reasons"] == [r.code for r in HALL.evaluation.reasons]
    v2, touched = view.with_content(v, view.content_of(NEW))
    assert touched == set(v.windows)          # every window: the publisher sends only what changed
    s = states(v2, 3)
    e = s["w03-eval"]
    assert (e["rv"], e["reasons"], e["rtexts"]) == ("2026.2", ["21", "22"], ["等候时间长", "材料反复要求"])
    assert set("等候时间长材料反复要求") <= set(e["gl"]) and e["mode"] == "prompt" and e["prompt"] == "p1"
    assert s["w03-pad"] == states(v, 3)["w03-pad"] and s["w03-led"] == states(v, 3)["w03-led"]
    assert view.with_content(v2, view.content_of(NEW)) == (v2, set())   # the same again: nothing touched
    assert view.content_of({"version": "x"}) is None and view.content_of(None) is None


def test_a_restarted_gateway_seeds_the_view_with_the_engines_content():
    from gateway.devices.plane import engine_content, seed
    from gateway.engine import Engine
    eng = Engine(HALL)
    empty = view.empty(w.number for w in HALL.windows)
    v = seed(empty, eng, 0.0)     # the hall file's list until a version is downloaded
    assert v.content == view.content_of(eng.content) and states(v, 3)["w03-eval"]["rv"] == HALL.evaluation.reasons_version
    out = eng.handle({"type": "set_content", "at": 1_790_000_000.0, **NEW})
    assert out.ok, out.refusal
    v = seed(empty, eng, 0.0)
    assert v.content == view.Content("2026.2", (("21", "等候时间长"), ("22", "材料反复要求")))
    assert states(v, 3)["w03-eval"]["rv"] == "2026.2"
    # the content is read from the engine (its read side), as the event that announced it carries it
    assert engine_content(eng) == view.content_of(NEW) == v.content


def test_evaluator_state_fits_says_why_a_downloaded_content_would_not_fit():
    ok = desired.evaluator_state_fits
    assert ok(HALL, NEW) is None
    hall_own = {"version": HALL.evaluation.reasons_version,
                "reasons": [{"code": r.code, "text": r.text} for r in HALL.evaluation.reasons]}
    assert ok(HALL, hall_own) is None and ok(VILLAGE, hall_own) is None
    assert "rv holds 1 to 16" in ok(HALL, dict(NEW, version="2026.2-province-x"))
    assert "at most 12" in ok(HALL, dict(NEW, reasons=[{"code": f"{i:02d}", "text": "慢"} for i in range(13)]))
    assert "code" in ok(HALL, dict(NEW, reasons=[{"code": "9" * 17, "text": "慢"}]))
    assert "text" in ok(HALL, dict(NEW, reasons=[{"code": "01", "text": "慢" * 25}]))
    assert "twice" in ok(HALL, dict(NEW, reasons=[{"code": "01", "text": "慢"}, {"code": "01", "text": "差"}]))
    assert "must be" in ok(HALL, {"version": "1"}) and "must be" in ok(HALL, "2026.2")
    # twelve texts of 24 different characters: far more glyphs than a state carries
    many = [{"code": f"{i:02d}", "text": "".join(chr(0x4E00 + i * 24 + k) for k in range(24))} for i in range(12)]
    assert "glyphs" in ok(HALL, dict(NEW, reasons=many))
    # within the glyphs, but too many bytes for the evaluator's receive buffer
    big = [{"code": f"{i:016d}", "text": "".join(chr(0x4E00 + (i * 24 + k) % 40) for k in range(24))}
           for i in range(12)]
    why = ok(HALL, {"version": "v" * 16, "reasons": big})
    assert f"more than the {wire.RX_BYTES['evaluator']}" in why
    assert desired.largest_evaluator_state(HALL, view.content_of({"version": "v" * 16, "reasons": big})) > \
        wire.RX_BYTES["evaluator"] >= desired.largest_evaluator_state(HALL)
