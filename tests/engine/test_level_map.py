"""A supervisor's confirmation of the 好差评 level map is a command of the log: who confirmed
which map for which platform, read through the engine's read door, kept across a snapshot."""
from gateway.config import load_file
from gateway.engine import Engine, reads
from tests.support import ROOT

HALL = load_file(ROOT / "hall_config" / "county.toml")
AT = 1795395600.0  # Monday 2026-11-23 09:00 in Shanghai
CMD = {"type": "confirm_level_map", "at": AT, "map": "1=1,2=2,3=3,4=4,5=5",
       "platform": "hcp-json https://province.example/hcp", "by": "s047", "role": "supervisor"}


def test_a_confirmation_is_recorded_with_who_and_survives_a_snapshot():
    eng = Engine(HALL)
    assert reads.level_map_confirmation(eng) is None
    out = eng.handle(CMD)
    assert out.ok, out.refusal
    assert [e["type"] for e in out.events if e["type"] == "level_map_confirmed"] == ["level_map_confirmed"]
    ev = next(e for e in out.events if e["type"] == "level_map_confirmed")
    assert (ev["map"], ev["by"], ev["role"]) == ("1=1,2=2,3=3,4=4,5=5", "s047", "supervisor")
    c = reads.level_map_confirmation(eng)
    assert (c.map, c.platform, c.by, c.at) == (CMD["map"], CMD["platform"], "s047", AT)
    again = Engine.restore(HALL, eng.snapshot())
    assert reads.level_map_confirmation(again) == c
    # the latest stands: another supervisor confirms a changed map
    assert eng.handle({**CMD, "at": AT + 60, "map": "1=5,2=4,3=3,4=2,5=1", "by": "s048"}).ok
    assert (reads.level_map_confirmation(eng).map, reads.level_map_confirmation(eng).by) == ("1=5,2=4,3=3,4=2,5=1", "s048")


def test_a_confirmation_names_who_and_what():
    eng = Engine(HALL)
    for field in ("by", "map", "platform"):
        out = eng.handle({k: v for k, v in CMD.items() if k != field})
        assert not out.ok and f"'{field}' is required" in out.refusal
    assert reads.level_map_confirmation(eng) is None


def test_a_snapshot_from_before_confirmations_restores_without_one():
    snap = Engine(HALL).snapshot()
    del snap["level_map_confirmed"]
    assert reads.level_map_confirmation(Engine.restore(HALL, snap)) is None
