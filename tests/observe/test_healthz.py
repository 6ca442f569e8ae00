"""/healthz's verdict from its checks, and the store probe on a store that cannot be written."""
import pytest

from gateway.observe import healthz


def checks(**over):
    base = {"runtime": {"ok": True}, "store": {"ok": True, "low_disk": False}, "broker": {"linked": True},
            "upstream": {"enabled": True, "destinations": [{"pending": 0, "dead_letter": 0, "held": None,
                                                            "last_error": None}]},
            "printer": {"state": "ok"}}
    return base | over


def test_verdicts():
    assert healthz.verdict(checks()) == "ok"
    assert healthz.verdict(checks(store={"ok": False})) == "failing"
    assert healthz.verdict(checks(broker={"linked": False})) == "failing"
    assert healthz.verdict(checks(printer={"state": "paper_out"})) == "degraded"
    assert healthz.verdict(checks(printer={"state": "paper_near_end"})) == "ok"
    assert healthz.verdict(checks(store={"ok": True, "low_disk": True})) == "degraded"
    dead = {"enabled": True, "destinations": [{"pending": 0, "dead_letter": 2, "held": None, "last_error": None}]}
    assert healthz.verdict(checks(upstream=dead)) == "degraded"
    failing = {"enabled": True, "destinations": [{"pending": 3, "dead_letter": 0, "held": None,
                                                  "last_error": "connect timeout"}]}
    assert healthz.verdict(checks(upstream=failing)) == "degraded"
    # the hall's speakers: silent is degraded; not yet tried (nothing called) is no worry
    assert healthz.verdict(checks(audio={"ok": False, "cause": "no_card"})) == "degraded"
    assert healthz.verdict(checks(audio={"ok": None})) == "ok"
    assert healthz.verdict(checks(audio={"ok": True})) == "ok"
    # no devices extension (no broker check), no kiosk: judged on what is there
    assert healthz.verdict({"runtime": {"ok": True}, "store": {"ok": True, "low_disk": False}}) == "ok"


def test_store_probe_writes_and_fails_clearly(tmp_path):
    import sqlite3
    db = tmp_path / "hall.db"
    sqlite3.connect(db).close()
    got = healthz.probe_store(db)
    assert got["ok"] and got["disk_free_mb"] > 0
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM health_probe").fetchone()[0] == 1
    gone = healthz.probe_store(tmp_path / "missing" / "hall.db")
    assert not gone["ok"] and "unable to open" in gone["error"]


def test_the_store_probe_on_a_full_disk_says_full_and_failing(tmp_path):
    """On a real small filesystem (a tmpfs the test mounts): full is failing, short of the hall's
    warn_free_mb is degraded, and it is well again once there is room, without a restart."""
    import sqlite3

    from gateway.disk import Watch
    from tests.support.smalldisk import MB, Ballast, small_disk

    with small_disk(tmp_path / "disk", "2m") as d:
        db, ballast = d / "hall.db", Ballast(d)
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE big (b BLOB)")
        watch = Watch(d)
        assert healthz.probe_store(db, 1, watch)["ok"]
        ballast.fill(leave=MB // 2)
        low = healthz.probe_store(db, 1, watch)
        assert low["ok"] and low["low_disk"] and healthz.verdict(checks(store=low)) == "degraded"
        ballast.fill()
        conn = sqlite3.connect(db, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as e:
            conn.execute("INSERT INTO big VALUES (zeroblob(1000000))")  # needs blocks: refused
        conn.close()
        watch.failed(e.value)  # as the command log's own write tells it
        full = healthz.probe_store(db, 1, watch)
        assert not full["ok"] and full["full"] and healthz.verdict(checks(store=full)) == "failing"
        ballast.empty()
        well = healthz.probe_store(db, 1, watch)
        assert well["ok"] and not well["full"] and healthz.verdict(checks(store=well)) == "ok"
