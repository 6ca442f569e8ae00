"""[parent] and [mirror] in the hall file: precise errors, and the township example."""
import pytest

from gateway.config import ConfigError, load_file, load_text
from tests.mirror.tiers import hall_text
from tests.support import ROOT


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load_text(text, "hall.toml")
    return e.value.lines()


def test_township_example_is_valid():
    h = load_file(ROOT / "hall_config" / "township.toml")
    assert h.tier == "township" and h.parent.id == "county-demo" and h.parent.transport == "bridge"
    assert h.mirror.child_ids == ("village-demo",)


def test_parent_and_mirror_errors_name_file_and_key():
    got = errors(hall_text("v1", "village", '[parent]\nid = "v1"\ntransport = "pigeon"\ntls = true\n'
                                            '[mirror]\nchildren = [{ id = "x" }]\n'))
    assert "hall.toml: parent.id: is this hall's own id: a hall cannot be its own parent" in got
    assert any(g.startswith("hall.toml: parent.transport: must be one of direct, bridge") for g in got)
    assert any(g.startswith("hall.toml: parent.ca_file: missing") for g in got)
    assert "hall.toml: mirror: a village station is the bottom of the tiers: it has no children" in got


def test_county_needs_a_database_and_never_a_parent():
    got = errors(hall_text("c1", "county", '[parent]\nid = "p"\n[mirror]\nchildren = [{ id = "t1" }, { id = "t1" }]\n'
                                           'province = true\n'))
    assert "hall.toml: parent: a county hall is the top of the tiers: it has no parent" in got
    assert any(g.startswith("hall.toml: mirror.database: missing") for g in got)
    assert any(g.startswith("hall.toml: mirror.children[1].id: duplicate child 't1'") for g in got)
    assert any(g.startswith("hall.toml: mirror.children[0].config: missing") for g in got)


def test_ratings_go_one_way_only():
    text = hall_text("v1", "village", '[parent]\nid = "t1"\nratings_via_parent = true\n')
    text = text.replace("[audio]", '[upstream]\nenabled = true\nurl = "http://x"\napp_key = "k"\n'
                                   'secret_file = "/s"\n\n[audio]', 1)
    assert any(g.startswith("hall.toml: upstream.enabled: parent.ratings_via_parent is true") for g in errors(text))
