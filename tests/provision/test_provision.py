"""hallctl provisions a device over a serial line: the real MicroPython REPL on
a pty, driven by mpremote, as a maintainer would an ESP32 on /dev/ttyUSB0. The hall
Wi-Fi's password comes from a prompt, an owner-only file or stdin, never from argv."""
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config import load_file, load_text
from gateway.provision import screen_font, wifi_secret
from gateway.provision.device_config import ProvisionError, device_config
from hil.board.serial_line import SerialLine
from tests.support import ROOT, tool

COUNTY = ROOT / "hall_config" / "county.toml"
WIFI_PW = "pw-大厅-12345678"


def hallctl(*args, stdin: str = ""):
    # stdin is a pipe, never the terminal pytest runs in.
    return subprocess.run([sys.executable, "-m", "gateway.provision.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, input=stdin)


def password_file(folder: Path, mode: int, text: str = WIFI_PW + "\n") -> Path:
    f = folder / "wifi.pw"
    f.write_text(text, encoding="utf-8")
    f.chmod(mode)
    return f


def test_device_config_per_role():
    hall = load_file(COUNTY)
    # The county file's broker listens on 127.0.0.1: no device on Wi-Fi gets there.
    with pytest.raises(ProvisionError, match="cannot reach a broker at '127.0.0.1': give --broker-host"):
        device_config(hall, "w03-led", "hall-wifi", "pw")
    led = device_config(hall, "w03-led", "hall-wifi", "pw", broker_host="192.168.10.2")
    assert led["role"] == "display" and led["window"] == 3 and led["panel"] == "128x16"
    assert led["tz_minutes"] == 480 and led["broker_port"] == 1883 and led["broker_host"] == "192.168.10.2"
    pad = device_config(hall, "w03-pad", "hall-wifi", broker_host="192.168.10.2")
    assert pad["role"] == "callpad" and "panel" not in pad and "mqtt_user" not in pad
    creds = {"hall": "county-demo", "broker": {"host": "10.0.0.2", "port": 8883},
             "devices": {"w03-pad": {"username": "w03-pad", "password": "s3cret"}}}
    pad = device_config(hall, "w03-pad", "hall-wifi", credentials=creds)
    assert (pad["mqtt_user"], pad["mqtt_password"], pad["broker_host"], pad["broker_port"]) == \
        ("w03-pad", "s3cret", "10.0.0.2", 8883)
    with pytest.raises(ProvisionError, match="no device 'w99-pad'"):
        device_config(hall, "w99-pad", "hall-wifi", broker_host="192.168.10.2")
    with pytest.raises(ProvisionError, match="no entry for 'w04-pad'"):
        device_config(hall, "w04-pad", "hall-wifi", credentials=creds)
    with pytest.raises(ProvisionError, match="for hall 'other'"):
        device_config(hall, "w03-pad", "hall-wifi", credentials=dict(creds, hall="other"))


def test_only_a_device_marked_for_a_battery_is_provisioned_to_sleep():
    text = COUNTY.read_text(encoding="utf-8").replace(
        'id = "w03-eval"\nrole = "evaluator"\nwindow = 3', 'id = "w03-eval"\nrole = "evaluator"\nwindow = 3\n'
        'wifi_power_save = true', 1)
    hall = load_text(text, "county.toml")
    ev = device_config(hall, "w03-eval", "hall-wifi", broker_host="192.168.10.2")
    assert ev["wifi_power_save"] is True
    pad = device_config(hall, "w03-pad", "hall-wifi", broker_host="192.168.10.2")
    assert "wifi_power_save" not in pad   # mains-powered: the firmware's default, awake


def test_provision_over_serial(tmp_path):
    flash = tmp_path / "flash"
    creds = tmp_path / "credentials.json"
    out = subprocess.run([sys.executable, "-m", "gateway.cli", "mosquitto-config", "--config", str(COUNTY),
                          "--out", str(tmp_path / "broker")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    creds = tmp_path / "broker" / "credentials.json"
    pw = password_file(tmp_path, 0o600)
    with SerialLine(flash) as line:
        out = hallctl("provision", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "大厅WiFi",
                      "--wifi-password-file", str(pw), "--credentials", str(creds), "--port", line.port,
                      "--broker-host", "192.168.10.2")
        assert out.returncode == 0, out.stderr
        assert "w05-eval (evaluator, window 5) provisioned" in out.stdout
    names = {p.name for p in flash.iterdir()}
    assert {"main.py", "config.json", "evaluator.mpy", "mqtt.mpy", "screen.font"} <= names
    assert (flash / "screen.font").read_bytes() == screen_font.font_file()   # its screen's Chinese
    cfg = json.loads((flash / "config.json").read_text(encoding="utf-8"))
    device_pw = json.loads(creds.read_text())["devices"]["w05-eval"]["password"]
    assert cfg["device"] == "w05-eval" and cfg["wifi_ssid"] == "大厅WiFi" and cfg["mqtt_password"] == device_pw
    assert cfg["wifi_password"] == WIFI_PW
    assert cfg["broker_host"] == "192.168.10.2"
    # The firmware's own boot check accepts what was flashed, from the flashed .mpy.
    check = subprocess.run([tool("micropython"), "-X", "heapsize=96K", "-c",
                            "import config; c = config.load(); print(c['role'], c['window'])"],
                           cwd=flash, capture_output=True, text=True, timeout=30)
    assert check.stdout.split() == ["evaluator", "5"], check.stdout + check.stderr


def test_refusals_write_nothing(tmp_path):
    flash = tmp_path / "flash"
    with SerialLine(flash) as line:
        out = hallctl("provision", "--config", str(COUNTY), "--device", "nope", "--wifi-ssid", "x",
                      "--port", line.port, stdin=WIFI_PW + "\n")
        assert out.returncode == 1 and "no device 'nope'" in out.stderr
    assert list(flash.iterdir()) == []
    out = hallctl("provision", "--config", str(COUNTY), "--device", "w01-pad", "--wifi-ssid", "x",
                  "--port", str(tmp_path / "no-such-tty"), stdin=WIFI_PW + "\n")
    assert out.returncode == 1 and "hallctl:" in out.stderr
    out = hallctl("device-config", "--config", str(tmp_path / "missing.toml"), "--device", "w01-pad",
                  "--wifi-ssid", "x")
    assert out.returncode == 2 and "file not found" in out.stderr


def test_a_password_file_others_can_read_is_refused(tmp_path):
    flash = tmp_path / "flash"
    for mode in (0o644, 0o640, 0o604):
        pw = password_file(tmp_path, mode)
        with SerialLine(flash) as line:
            out = hallctl("provision", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                          "--wifi-password-file", str(pw), "--port", line.port, "--broker-host", "192.168.10.2")
        assert out.returncode == 1, out.stdout
        assert f"can be read by others (mode {mode:04o})" in out.stderr and f"chmod 600 {pw}" in out.stderr
        assert WIFI_PW not in out.stdout + out.stderr
        assert list(flash.iterdir()) == []  # refused before anything was written
    pw = password_file(tmp_path, 0o600, "short\n")
    out = hallctl("device-config", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                  "--wifi-password-file", str(pw), "--broker-host", "192.168.10.2")
    assert out.returncode == 1 and "8 to 63 characters" in out.stderr
    pw = password_file(tmp_path, 0o400)  # read-only for its owner is fine too
    out = hallctl("device-config", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                  "--wifi-password-file", str(pw), "--broker-host", "192.168.10.2")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["wifi_password"] == WIFI_PW


def test_the_password_is_never_an_argument(tmp_path):
    # The option is gone, and what was given with it is never echoed.
    out = hallctl("device-config", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                  "--wifi-password", WIFI_PW, "--broker-host", "192.168.10.2")
    assert out.returncode == 2 and "--wifi-password is no longer taken" in out.stderr
    assert WIFI_PW not in out.stdout + out.stderr
    # Nor an abbreviation of --wifi-password-file (argparse would take a prefix for the whole name).
    out = hallctl("device-config", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                  "--wifi-password-f", str(tmp_path / "x"), "--broker-host", "192.168.10.2")
    assert out.returncode == 2 and "unrecognized arguments" in out.stderr
    # A provisioning run with the password piped in: no process it starts (hallctl, mpremote,
    # mpy-cross) ever has it in its command line, read from /proc while they run.
    flash = tmp_path / "flash"
    seen: list[str] = []
    with SerialLine(flash) as line:
        proc = subprocess.Popen([sys.executable, "-m", "gateway.provision.cli", "provision", "--config", str(COUNTY),
                                 "--device", "w05-eval", "--wifi-ssid", "hall", "--port", line.port,
                                 "--broker-host", "192.168.10.2"], cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdin.write(WIFI_PW + "\n")
        proc.stdin.close()
        while proc.poll() is None:
            seen += [arg for pid in family(proc.pid) for arg in cmdline(pid)]
        out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.returncode == 0, err
    assert any("gateway.provision.cli" in a for a in seen)  # the sampler did see hallctl's own arguments
    assert not [a for a in seen if WIFI_PW in a]
    assert WIFI_PW not in out + err
    assert json.loads((flash / "config.json").read_text(encoding="utf-8"))["wifi_password"] == WIFI_PW


def family(pid: int) -> list[int]:
    """pid and its descendants, from /proc."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def cmdline(pid: int) -> list[str]:
    try:
        return [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        return []


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_typed_twice_without_echo():
    asked = []

    def ask(answers):
        it = iter(answers)

        def getpass(prompt):
            asked.append(prompt)
            return next(it)
        return getpass

    assert wifi_secret.typed("大厅WiFi", Terminal(), ask([WIFI_PW, WIFI_PW])) == WIFI_PW
    assert "大厅WiFi" in asked[0]
    with pytest.raises(wifi_secret.SecretError, match="differ"):
        wifi_secret.typed("hall", Terminal(), ask([WIFI_PW, WIFI_PW + "x"]))
    with pytest.raises(wifi_secret.SecretError, match="--open-wifi"):
        wifi_secret.typed("hall", Terminal(), ask([""]))
    # Not a terminal: one line from stdin, its line end dropped.
    assert wifi_secret.typed("hall", io.StringIO(WIFI_PW + "\r\nnext\n")) == WIFI_PW
    with pytest.raises(wifi_secret.SecretError, match="no Wi-Fi password on stdin"):
        wifi_secret.typed("hall", io.StringIO(""))


def test_an_open_network_only_when_said(tmp_path):
    out = hallctl("device-config", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                  "--open-wifi", "--broker-host", "192.168.10.2")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["wifi_password"] == ""
    out = hallctl("device-config", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "hall",
                  "--broker-host", "192.168.10.2")   # nothing on stdin, no file, not said open
    assert out.returncode == 1 and "no Wi-Fi password" in out.stderr
