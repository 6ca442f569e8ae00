"""hallctl provisions a device over a serial line: the real MicroPython REPL on
a pty, driven by mpremote, as a maintainer would an ESP32 on /dev/ttyUSB0."""
import json
import subprocess
import sys

import pytest

from gateway.config import load_file
from gateway.provision import screen_font
from gateway.provision.device_config import ProvisionError, device_config
from hil.serial_line import SerialLine
from support import ROOT, tool

COUNTY = ROOT / "hall_config" / "county.toml"


def hallctl(*args):
    return subprocess.run([sys.executable, "-m", "gateway.provision.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


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


def test_provision_over_serial(tmp_path):
    flash = tmp_path / "flash"
    creds = tmp_path / "credentials.json"
    out = subprocess.run([sys.executable, "-m", "gateway.cli", "mosquitto-config", "--config", str(COUNTY),
                          "--out", str(tmp_path / "broker")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    creds = tmp_path / "broker" / "credentials.json"
    with SerialLine(flash) as line:
        out = hallctl("provision", "--config", str(COUNTY), "--device", "w05-eval", "--wifi-ssid", "大厅WiFi",
                      "--wifi-password", "pw12345678", "--credentials", str(creds), "--port", line.port,
                      "--broker-host", "192.168.10.2")
        assert out.returncode == 0, out.stderr
        assert "w05-eval (evaluator, window 5) provisioned" in out.stdout
    names = {p.name for p in flash.iterdir()}
    assert {"main.py", "config.json", "evaluator.mpy", "mqtt.mpy", "screen.font"} <= names
    assert (flash / "screen.font").read_bytes() == screen_font.font_file()   # its screen's Chinese
    cfg = json.loads((flash / "config.json").read_text(encoding="utf-8"))
    device_pw = json.loads(creds.read_text())["devices"]["w05-eval"]["password"]
    assert cfg["device"] == "w05-eval" and cfg["wifi_ssid"] == "大厅WiFi" and cfg["mqtt_password"] == device_pw
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
                      "--port", line.port)
        assert out.returncode == 1 and "no device 'nope'" in out.stderr
    assert list(flash.iterdir()) == []
    out = hallctl("provision", "--config", str(COUNTY), "--device", "w01-pad", "--wifi-ssid", "x",
                  "--port", str(tmp_path / "no-such-tty"))
    assert out.returncode == 1 and "hallctl:" in out.stderr
    out = hallctl("device-config", "--config", str(tmp_path / "missing.toml"), "--device", "w01-pad",
                  "--wifi-ssid", "x")
    assert out.returncode == 2 and "file not found" in out.stderr
