"""make install into a scratch root (DESTDIR): the installed hallgw runs (--help, config check,
a gateway that answers /healthz with its tokens as systemd credentials), the units pass
`systemd-analyze verify`, modes are owner-only where secrets are; make uninstall removes what
install added and keeps the store, the hall file and the secrets."""
import json
import os
import shutil
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from gateway.install import units
from tests.support import ROOT
from tests.support.mosquitto import free_port

HARDENED = ("Type=notify", "Restart=on-failure", "WatchdogSec=30", "ProtectSystem=strict", "NoNewPrivileges=yes",
            "User=hall", "LoadCredential=api_token:/etc/hall/api_token", "CapabilityBoundingSet=\n",
            # bounded: open files (docs/OPERATING.md "Connections and logs") and the journal's share
            "LimitNOFILE=4096\n", "LogRateLimitIntervalSec=30s\n", "LogRateLimitBurst=1000\n")


def verify_units(files: list[Path], stage: Path, tmp: Path) -> subprocess.CompletedProcess:
    """systemd-analyze verify, with the app's path pointed into the scratch root (it checks
    that ExecStart's program exists)."""
    out = tmp / "verify"
    out.mkdir(exist_ok=True)
    for f in files:
        (out / f.name).write_text(f.read_text().replace("/opt/hall/", f"{stage}/opt/hall/"))
    return subprocess.run(["systemd-analyze", "verify", *map(str, sorted(out.iterdir()))],
                          capture_output=True, text=True, timeout=60)


def make(target: str, stage: Path, hall_file: Path) -> None:
    r = subprocess.run(["make", "-s", target, f"DESTDIR={stage}", f"HALL_FILE={hall_file}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_install_into_a_scratch_root_runs_and_uninstall_keeps_the_data(tmp_path):
    stage = tmp_path / "root"
    hall_file = tmp_path / "county.toml"  # a production broker: the Mosquitto unit and files too
    hall_file.write_text((ROOT / "hall_config" / "county.toml").read_text().replace("embedded = true",
                                                                                  "embedded = false"))
    make("install", stage, hall_file)
    app = stage / "opt" / "hall" / "bin"
    r = subprocess.run([app / "hallgw", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "restore" in r.stdout and "system-units" in r.stdout
    r = subprocess.run([app / "hallgw", "config", "check", stage / "etc/hall/hall.toml"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert os.readlink(stage / "usr/local/bin/hallgw") == "/opt/hall/bin/hallgw"

    unit_dir = stage / "lib/systemd/system"
    installed = sorted(unit_dir.iterdir())
    assert [f.name for f in installed] == ["hall-gateway.service", "hall-mosquitto.service"]
    gw = (unit_dir / "hall-gateway.service").read_text()
    for line in HARDENED:
        assert line in gw, line
    assert "--mqtt-credentials ${CREDENTIALS_DIRECTORY}/mqtt_credentials" in gw
    assert " --listen 0.0.0.0 " in gw  # the hall's screens, kiosks and clerks' PCs reach the pages
    v = verify_units(installed, stage, tmp_path)
    assert v.returncode == 0 and v.stdout + v.stderr == "", v.stdout + v.stderr
    assert "u hall - " in (stage / "usr/lib/sysusers.d/hall.conf").read_text()
    journal = (stage / "usr/lib/systemd/journald.conf.d/hall.conf").read_text()
    assert "[Journal]\nSystemMaxUse=200M\nSystemKeepFree=1G\n" in journal

    etc = stage / "etc/hall"
    assert stat.S_IMODE(etc.stat().st_mode) == 0o750
    for secret in ("api_token", "supervisor_token", "kiosk_token", "screen_token", "mosquitto/credentials.json"):
        assert stat.S_IMODE((etc / secret).stat().st_mode) == 0o600, secret
    conf = (etc / "mosquitto/mosquitto.conf").read_text()
    assert str(stage) not in conf and "password_file /etc/hall/mosquitto/passwd" in conf
    creds = json.loads((etc / "mosquitto/credentials.json").read_text())
    assert creds["broker"]["tls"]["ca"] == "/etc/hall/mosquitto/tls/ca.der", creds["broker"]["tls"]
    assert str(stage) not in json.dumps(creds)

    # The installed gateway runs, with its tokens as systemd hands them over.
    port = free_port()
    env = dict(os.environ, CREDENTIALS_DIRECTORY=str(etc), HALLGW_VOICE_DIR=str(stage / "opt/hall/share/voice"))
    p = subprocess.Popen([app / "hallgw", "run", "--config", etc / "hall.toml", "--data-dir", stage / "var/lib/hall",
                          "--http-port", str(port), "--broker-port", str(free_port()), "--without", "announcer",
                          "--without", "kiosk"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    health = json.loads(resp.read())
                break
            except urllib.error.HTTPError as e:  # 503: the broker is not there, the gateway is
                health = json.loads(e.read())
                break
            except OSError:
                assert p.poll() is None and time.monotonic() < deadline, "the installed gateway never answered"
                time.sleep(0.2)
    finally:
        p.send_signal(signal.SIGTERM)
        out = p.communicate(timeout=30)[0]
    assert health["checks"]["store"]["ok"], health
    assert "systemd credential api_token" in out
    assert not (stage / "var/lib/hall/api_token").exists()  # the token stayed in /etc/hall

    make("uninstall", stage, hall_file)
    left = sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
    assert all(p.startswith(("etc/hall/", "var/lib/hall/", "var/backups/hall/")) for p in left), left
    assert "etc/hall/hall.toml" in left and "var/lib/hall/hall.db" in left and "etc/hall/api_token" in left
    assert not (stage / "opt/hall").exists() and not (stage / "usr/local/bin/hallgw").is_symlink()


def test_units_for_a_hall_with_the_embedded_broker_verify(tmp_path):
    app = tmp_path / "opt/hall/bin"
    app.mkdir(parents=True)
    shutil.copy(ROOT / ".venv/bin/hallgw", app / "hallgw")
    files = units.units(units.Paths(app=str(tmp_path / "opt/hall")), embedded_broker=True)
    assert list(files) == ["hall-gateway.service"] and "mosquitto" not in files["hall-gateway.service"]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    r = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "hall-gateway.service")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
