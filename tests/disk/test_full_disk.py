"""A full disk on a real small filesystem: the gateway (`hallgw run`, its own process) keeps its
data on a 4 MB tmpfs the test mounts, and ballast fills it.

Before it is full, the dashboard warns with the free space (the hall file's [storage]
warn_free_mb) and /healthz says degraded. Full: tickets, logins and the clerk console answer 503
with 存储空间已满，请联系管理员, SQLite's own error is in the answer's reason and the log (never
"cannot rollback"), /healthz is failing, a call pad's press is refused on its screen and dropped.
Once the ballast is gone the gateway takes tickets again without a restart, the numbers go on
from the last one acknowledged, nothing acknowledged is lost (also across a restart) and the
audit chain holds."""
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gateway.config import load_text
from gateway.devices.client import DeviceClient
from gateway.devices.pad_words import STORE_FULL
from gateway.disk import REASON_CN
from gateway.store import verify
from hil.day.clock import day_start
from hil.services import process
from tests.support import ROOT
from tests.support.browser_shots import screenshot
from tests.support.mosquitto import free_port
from tests.support.mqtt_client import wait_for
from tests.support.smalldisk import MB, Ballast, small_disk

WARN_MB = 2  # of a 4 MB disk: the gateway's own files take about 0.6 MB
CONFIG = (ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8") + f"\n[storage]\nwarn_free_mb = {WARN_MB}\n"
HALL = load_text(CONFIG, "village.toml")
WITHOUT = ("announcer", "status_led", "upstream", "screen")  # no sound card, no GPIO, no province here


class Served:
    """`hallgw run` with its data on the small disk, its log beside the test (never on that disk)."""

    def __init__(self, tmp: Path, disk: Path):
        self.config = tmp / "village.toml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.data, self.log = disk / "data", tmp / "gateway.log"
        self.port, self.broker = free_port(), free_port()
        _, self.start_at = day_start(HALL, 9.5)  # 09:30 on the next working day: open
        self.real0 = time.time()
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Served":
        args = [sys.executable, "-m", "gateway.cli", "run", "--config", str(self.config), "--data-dir", str(self.data),
                "--http-port", str(self.port), "--broker-port", str(self.broker),
                "--broker-tls-port", str(free_port()), "--clock-start", repr(self.start_at),
                "--clock-real-start", repr(self.real0)]
        for name in WITHOUT:
            args += ["--without", name]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        end = time.monotonic() + 120  # a guard on a busy machine, not a measure
        while True:
            try:
                self.call("GET", "/api/v1/windows")
                break
            except OSError:
                assert self.proc.poll() is None and time.monotonic() < end, self.log.read_text()
                time.sleep(0.2)
        self.tokens = {r: (self.data / f"{r}_token").read_text().strip() for r in ("api", "kiosk", "supervisor")}
        return self

    def stop(self) -> None:
        process.stop(self.proc, grace=20)

    def call(self, method: str, path: str, body: dict | None = None, role: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if role:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def ticket(self) -> tuple[int, dict]:
        return self.call("POST", "/api/v1/tickets", {"service": "ZX"}, "kiosk")

    def waiting(self) -> set[str]:
        _, q = self.call("GET", "/api/v1/queue")
        return {n for svc in q["services"] for n in svc["call_order"]}

    def window(self, n: int) -> dict:
        return next(w for w in self.call("GET", "/api/v1/windows")[1] if w["number"] == n)

    def storage(self, state: str) -> dict:
        """The dashboard's picture of the disk, once it says `state` (it looks at the disk at every
        heartbeat, 2 s)."""
        got = {}

        def says() -> bool:
            status, d = self.call("GET", "/api/v1/dashboard", role="supervisor")
            got.update(d["storage"])
            return status == 200 and d["storage"]["state"] == state
        assert wait_for(says), got
        return got


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fulldisk")
    with small_disk(tmp / "disk", "4m") as disk:
        gw = Served(tmp, disk)
        gw.ballast = Ballast(disk)
        gw.start()
        try:
            yield gw
        finally:
            gw.stop()


def healthz(gw) -> tuple[int, dict]:
    return gw.call("GET", "/healthz")


def test_the_dashboard_warns_before_the_disk_is_full(served, page_at):
    gw = served
    assert gw.storage("ok") and healthz(gw)[1]["status"] != "failing"
    page = page_at(1600, 900)
    page.goto(f"{gw.url}/dashboard?key={gw.tokens['supervisor']}")
    expect(page.locator("#storage")).to_have_attribute("data-state", "ok", timeout=10_000)
    gw.ballast.fill(leave=MB)  # under the hall's 2 MB, far from full
    try:
        st = gw.storage("low")
        assert st["alert"] is not None
        assert st["alert"]["text"].startswith("存储空间不足：剩余 ") and f"低于告警线 {WARN_MB}\u00a0MB" in st["alert"]["text"]
        code, health = healthz(gw)
        assert code == 200 and health["status"] == "degraded" and health["checks"]["store"]["low_disk"]
        assert health["checks"]["store"]["warn_free_mb"] == WARN_MB
        # Pushed to the page within a heartbeat: the alert, first in the list, with the free space.
        alert = page.locator('#alerts li[data-key="storage"]')
        expect(alert).to_contain_text("存储空间不足：剩余", timeout=10_000)
        expect(page.locator("#storage")).to_have_attribute("data-state", "low")
        expect(page.locator("body")).to_have_attribute("data-report-seq", re.compile(r"\d+"), timeout=10_000)
        screenshot(page, "dashboard-disk-low")
        assert gw.ticket()[0] == 201  # short of room, not out of it: the hall goes on
    finally:
        gw.ballast.empty()
    expect(page.locator('#alerts li[data-key="storage"]')).to_have_count(0, timeout=10_000)


def test_a_full_disk_answers_503_with_the_reason_and_nothing_acknowledged_is_lost(served, page_at):
    gw = served
    pad = DeviceClient(HALL.id, "s1-pad", "127.0.0.1", gw.broker)
    try:
        pad.action("login", staff="2001")
        pad.wait(lambda d: d["logged_in"], timeout=15)
        taken = [gw.ticket() for _ in range(2)]
        assert [c for c, _ in taken] == [201, 201]
        acknowledged = [t["number"] for _, t in taken]

        gw.ballast.fill()  # to the last byte
        # Writes that still fit in a page SQLite holds may go through; the first that needs a
        # block is refused. Every answer is 201 (kept) or 503 (not applied), never a bare 500.
        for _ in range(200):
            code, body = gw.ticket()
            assert code in (201, 503), (code, body)
            if code == 503:
                break
            acknowledged.append(body["number"])
        assert code == 503, "the disk never filled"
        assert body["detail"] == REASON_CN and "database or disk is full" in body["reason"], body
        for _ in range(3):  # and so it stays while full, each answer with SQLite's words
            code, body = gw.ticket()
            assert code == 503 and "database or disk is full" in body["reason"], body
        code, body = gw.call("POST", "/api/v1/windows/2/actions", {"action": "login", "staff_code": "2002"}, "api")
        assert (code, body["detail"]) == (503, REASON_CN), body
        code, body = gw.call("POST", "/clerk/api/login", {"window": 2, "staff_code": "2002"}, "api")
        assert (code, body["detail"]) == (503, REASON_CN), body
        code, health = healthz(gw)
        assert code == 503 and health["status"] == "failing" and health["checks"]["store"]["full"], health
        with urllib.request.urlopen(gw.url + "/metrics", timeout=30) as r:
            assert "hall_store_disk_full 1.0" in r.read().decode()
        st = gw.storage("full")
        assert st["alert"]["text"].startswith(REASON_CN + "（剩余 "), st

        # The call pad's press: not applied, the pad says so, and it is not applied later either.
        pad.action("call_next")
        pad.wait(lambda d: d["msg"] == STORE_FULL, timeout=15)
        assert gw.window(1)["status"] == "idle"

        page = page_at(1600, 900)
        page.goto(f"{gw.url}/dashboard?key={gw.tokens['supervisor']}")
        expect(page.locator('#alerts li[data-key="storage"]')).to_contain_text(REASON_CN, timeout=10_000)
        expect(page.locator("#storage")).to_have_attribute("data-state", "full")
        expect(page.locator("body")).to_have_attribute("data-report-seq", re.compile(r"\d+"), timeout=10_000)
        screenshot(page, "dashboard-disk-full")

        gw.ballast.empty()  # room again: no restart
        code, body = gw.ticket()
        assert code == 201, body
        numbers = [*acknowledged, body["number"]]
        assert [int(n[1:]) for n in numbers] == list(range(int(numbers[0][1:]), int(numbers[0][1:]) + len(numbers)))
        line = gw.waiting()
        assert set(numbers) <= line  # everyone acknowledged is in line
        # The press refused while full was dropped, not kept for later: after a commit since, the
        # window is still idle, and a press now calls one ticket.
        assert gw.window(1)["status"] == "idle"
        pad.action("call_next")
        called = pad.wait(lambda d: d["ticket"] != "", timeout=15)["ticket"]
        assert called in line and gw.waiting() == line - {called} and gw.window(1)["ticket_number"] == called
        code, _ = gw.call("POST", "/api/v1/windows/2/actions", {"action": "login", "staff_code": "2002"}, "api")
        assert code == 200
        code, health = healthz(gw)
        assert health["status"] != "failing" and not health["checks"]["store"]["full"], health
        expect(page.locator('#alerts li[data-key="storage"]')).to_have_count(0, timeout=10_000)
    finally:
        pad.close()
        gw.ballast.empty()

    log = gw.log.read_text(encoding="utf-8", errors="replace")
    assert "database or disk is full" in log and "cannot rollback" not in log
    assert "POST /api/v1/tickets not applied: the store's disk is full: database or disk is full" in log
    gw.stop()  # what was acknowledged is on disk: a restart finds it, and the chain holds
    ok, count, message = verify(gw.data / "hall.db")
    assert ok and count > len(numbers), message
    gw.start()
    assert all(gw.call("GET", f"/api/v1/tickets/{n}")[0] == 200 for n in numbers)
    assert gw.window(1)["ticket_number"] == called
