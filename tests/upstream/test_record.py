"""The provincial record derived from a rating event: every field, nothing defaulted."""
import pytest

from gateway.config import ConfigError, load_text
from gateway.upstream import record as rd
from gateway.upstream.secret import SecretError, read_secret, write_secret
from tests.upstream.uphall import hall_for

EV = {"type": "rating_recorded", "at": 1795398000.0, "prompt": "E7", "window": 3, "ticket": "2026-11-23-A012",
      "number": "A012", "staff": "s003", "service": "ZH", "case_type": "immediate", "level": 2,
      "reasons": ["01", "99"], "rated_at": 1795398000.0, "reasons_version": "P2026.1", "late": False,
      "matter": "330681-ZH-002", "project_no": None, "day": "2026-11-23", "assess_number": 1,
      "channel": "evaluator", "finished_at": 1795397900.0}


def test_every_field_from_the_event_and_the_hall_file(tmp_path):
    h = hall_for("http://127.0.0.1:1/hcp", tmp_path)
    rec = rd.rating(h, EV, "abcdef01")
    assert rec == {
        "eval_id": "county-demo-abcdef01-E7", "project_no": "33068120261123A012", "project_no_minted": True,
        "task_code": "330681-ZH-002", "task_name": "不动产登记", "dept_code": "11330681MB0000001X",
        "area_code": "330681", "channel": "5", "level": 2, "reasons": ["01", "99"], "content_version": "P2026.1",
        "window": 3, "staff_id": "s003", "staff_name": h.staff_member("s003").name,
        "assess_time": "2026-11-23 09:40:00", "assess_number": 1, "hall_id": "county-demo"}
    clerk = rd.rating(h, {**EV, "project_no": "ZJ2026-0001"}, "abcdef01")
    assert clerk["project_no"] == "ZJ2026-0001" and "project_no_minted" not in clerk
    sup = rd.rating(h, {**EV, "prompt": "SABCD2345", "channel": "supplementary", "assess_number": 2}, "abcdef01")
    assert (sup["eval_id"], sup["channel"], sup["assess_number"]) == ("county-demo-abcdef01-SABCD2345", "3", 2)


def test_level_map_direction_and_reason_map(tmp_path):
    gb = '{ "非常满意" = "1", "满意" = "2", "基本满意" = "3", "不满意" = "4", "非常不满意" = "5" }'
    h = hall_for("http://127.0.0.1:1/hcp", tmp_path, level_map=gb, extra='reason_map = { "99" = "09" }')
    assert [rd.rating(h, {**EV, "level": lv, "reasons": []}, "t")["level"] for lv in (1, 2, 3, 4, 5)] == \
        [5, 4, 3, 2, 1]
    # the hall file's fallback list is renamed; a province version's codes go as they are
    assert rd.rating(h, EV, "t")["reasons"] == ["01", "09"]
    assert rd.rating(h, {**EV, "reasons_version": "P2026.2"}, "t")["reasons"] == ["01", "99"]


def test_a_record_the_hall_file_cannot_complete_is_refused_not_guessed(tmp_path):
    h = hall_for("http://127.0.0.1:1/hcp", tmp_path)
    with pytest.raises(rd.RecordError, match="names no 事项"):
        rd.rating(h, {**EV, "matter": None}, "t")  # ZH has two matters: which one is not ours to guess
    one = next(s for s in h.services if len(s.matters) == 1) if any(len(s.matters) == 1 for s in h.services) \
        else None
    if one is not None:
        assert rd.rating(h, {**EV, "matter": None, "service": one.code}, "t")["task_code"] == one.matters[0].code
    with pytest.raises(rd.RecordError, match="no longer in the hall file"):
        rd.rating(h, {**EV, "staff": "gone"}, "t")


def test_followup_states_as_the_province_names_them(tmp_path):
    h = hall_for("http://127.0.0.1:1/hcp", tmp_path)
    base = {"at": EV["at"], "id": "F1", "prompt": "E7"}
    assert rd.followup(h, {**base, "type": "followup_created"}, "t")["state"] == "待整改"
    assert rd.followup(h, {**base, "type": "followup_changed", "action": "start", "status": "rectifying"},
                       "t")["state"] == "整改中"
    assert rd.followup(h, {**base, "type": "followup_changed", "action": "request_invalid",
                           "status": "invalid_requested"}, "t") is None  # the review stays in the hall
    cb = rd.followup(h, {**base, "type": "followup_changed", "action": "callback", "status": "rectified",
                         "result": "satisfied", "note": "电话回访"}, "t")
    assert (cb["state"], cb["note"]) == ("回访", "satisfied 电话回访")
    assert rd.followup(h, {**base, "type": "followup_overdue", "kind": "rectify", "due": "2026-12-01"},
                       "t")["state"] == "整改超期"


def test_level_map_must_name_all_five_levels_once(tmp_path):
    for lm, words in (('{ "非常满意" = "5", "满意" = "5", "基本满意" = "3", "不满意" = "2", "非常不满意" = "1" }',
                       "duplicate level code"),
                      ('{ "非常满意" = "5", "满意" = "4" }', "map all five levels"),
                      ('{ "很好" = "5" }', "unknown level")):
        from tests.upstream.uphall import upstream_text
        with pytest.raises(ConfigError, match=words):
            load_text(upstream_text("http://x/", tmp_path / "s", level_map=lm), "hall.toml")


def test_secret_file_must_be_owner_only(tmp_path):
    p = tmp_path / "secret"
    with pytest.raises(SecretError, match="no such file"):
        read_secret(p)
    write_secret(p, "abc")
    assert read_secret(p) == "abc"
    p.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        read_secret(p)
