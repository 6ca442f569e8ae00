"""No secret in the logs of a hall day: a real `hall-hil day` (gateway, Mosquitto,
emulated boards; each clerk mistypes the code once before logging in), then every
log it leaves (the gateway's, the broker's, the day's own output, and the command log
in the store) is searched for every token, the login key, the pages' key and every staff
code, right or mistyped."""
import json
import sqlite3
import subprocess
import sys

from hil.day.clerk import mistyped
from tests.support import ROOT

CODES = {"2001": "73914268", "2002": "51862937"}  # long and odd: found only where really written


def test_a_hall_days_logs_hold_no_secret(tmp_path):
    text = (ROOT / "hall_config" / "village.toml").read_text(encoding="utf-8")
    for old, new in CODES.items():
        text = text.replace(f'login_code = "{old}"', f'login_code = "{new}"')
    hall = tmp_path / "village.toml"
    hall.write_text(text, encoding="utf-8")
    work = tmp_path / "day"
    r = subprocess.run([sys.executable, "-m", "hil.cli", "day", "--config", str(hall), "--hours", "0.25",
                        "--speed", "120", "--workdir", str(work)], capture_output=True, text=True, timeout=300,
                       cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    gw = work / "gateway"
    secrets = {p.name: p.read_text().strip() for p in gw.iterdir() if p.name.endswith("_token")}
    secrets["login_key"] = (gw / "login_key").read_text().strip()
    secrets["page_key"] = (gw / "page_key").read_text().strip()  # signs the pages' cookies (gateway/roles)
    assert set(secrets) >= {"api_token", "supervisor_token", "kiosk_token", "screen_token", "login_key", "page_key"}
    for code in CODES.values():
        secrets[f"code {code}"] = code
        secrets[f"mistyped {code}"] = "".join(mistyped(code, set(CODES.values())))
    gateway_log = (gw / "gateway.log").read_text(encoding="utf-8")
    assert "login from s1-pad refused: unknown staff code" in gateway_log  # the mistyped codes were handled
    conn = sqlite3.connect(gw / "hall.db")
    commands = "\n".join(rec for (rec,) in conn.execute("SELECT record FROM commands"))
    logins = [json.loads(rec)["cmd"] for rec in commands.splitlines() if '"type":"login"' in rec]
    assert {c["verified"] for c in logins} == {True, False}
    logs = {"gateway.log": gateway_log, "mosquitto.log": (work / "mosquitto" / "mosquitto.log").read_text(),
            "hall-hil day output": r.stdout + r.stderr, "command log": commands}
    found = [(what, name) for name, value in secrets.items() for what, log in logs.items() if value in log]
    assert found == []
