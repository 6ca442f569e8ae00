"""The tiered world's parts: the hall files of hall_config/tiers/ with this run's
addresses, a CA and certificates, the children's secrets, the county's and the
township's Mosquitto (written by `hallgw mosquitto-config`: the children's TLS
listener, their logins and ACL, the township's bridge to the county), the county's
PostgreSQL, and each site's simulated day in its namespace."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from hil.services import certs, process
from hil.services.mosquitto import mosquitto_binary
from hil.services.postgres import Postgres
from hil.tiers.net import Net

ROOT = Path(__file__).resolve().parents[2]
SITES = ("village", "township", "county")  # bottom up
IDS = {"village": "tier-village", "township": "tier-town", "county": "tier-county"}
TIER_PORT = 18830  # the county's / township's Mosquitto on its namespace's loopback (the gateways' side)
BRIDGE_PORT = 8883  # … and on the link to its children, TLS


def sections(text: str, replace: dict[str, str]) -> str:
    """The hall file with its [parent] / [mirror] tables replaced (or dropped: "")."""
    blocks = re.split(r"\n(?=\[)", text)
    out, done = [], set()
    for b in blocks:
        name = b.split("]", 1)[0].lstrip("[")
        if name in replace:
            if replace[name]:
                out.append(replace[name].rstrip() + "\n")
            done.add(name)
        else:
            out.append(b)
    out += [v.rstrip() + "\n" for k, v in replace.items() if k not in done and v]
    return "\n".join(out)


class World:
    def __init__(self, workdir: Path, hours: float, speed: float, faults: bool, seed: int = 1):
        self.w = Path(workdir).resolve()
        self.hours, self.speed, self.faults, self.seed = hours, speed, faults, seed
        self.net = Net(list(SITES))
        self.vt, self.tc = self.net.links  # village-township, township-county
        self.pg = Postgres(self.w / "pg", port=5432 + os.getpid() % 1000)
        self.brokers: dict[str, subprocess.Popen | None] = {}
        self.days: dict[str, subprocess.Popen] = {}
        self.conf: dict[str, Path] = {}
        self.env: dict[str, dict] = {}

    def day_dir(self, site: str) -> Path:
        return self.w / f"day-{site}"

    # -- set-up ------------------------------------------------------------------------
    def prepare(self) -> None:
        self.w.mkdir(parents=True, exist_ok=True)
        sec = self.w / "secrets"
        sec.mkdir(exist_ok=True)
        secrets = {}
        for site in ("village", "township"):
            p = sec / f"{IDS[site]}.secret"
            p.write_text(f"{os.urandom(16).hex()}\n")
            p.chmod(0o600)
            secrets[site] = p
        tls = {"township": certs.make(self.w / "tls-township", [self.vt.high_addr]),
               "county": certs.make(self.w / "tls-county", [self.tc.high_addr])}
        src = {s: (ROOT / "hall_config" / "tiers" / f"{s}.toml").read_text() for s in SITES}
        conf = self.w / "conf"
        conf.mkdir(exist_ok=True)
        self.conf = {s: conf / f"{s}.toml" for s in SITES}
        t, c = tls["township"], tls["county"]
        self.conf["village"].write_text(sections(src["village"], {"parent": f"""[parent]
id = "{IDS['township']}"
host = "{self.vt.high_addr}"
port = {BRIDGE_PORT}
transport = "direct"
tls = true
ca_file = "{t['ca']}"
password_file = "{secrets['village']}"
ack_timeout_seconds = 5
status_seconds = 5"""}))
        self.conf["township"].write_text(sections(src["township"], {"parent": f"""[parent]
id = "{IDS['county']}"
host = "{self.tc.high_addr}"
port = {BRIDGE_PORT}
transport = "bridge"
tls = true
ca_file = "{c['ca']}"
password_file = "{secrets['township']}"
ack_timeout_seconds = 5
status_seconds = 5""", "mirror": f"""[mirror]
children = [{{ id = "{IDS['village']}", password_file = "{secrets['village']}" }}]
listen_host = "{self.vt.high_addr}"
listen_port = {BRIDGE_PORT}
cert_file = "{t['cert']}"
key_file = "{t['key']}"
broker_host = "127.0.0.1"
broker_port = {TIER_PORT}
audit_seconds = 30"""}))
        self.conf["county"].write_text(sections(src["county"], {"mirror": f"""[mirror]
children = [{{ id = "{IDS['township']}", config = "{self.conf['township']}", password_file = "{secrets['township']}" }}]
hall_files = ["{self.conf['village']}"]
database = "{self.pg.dsn}"
listen_host = "{self.tc.high_addr}"
listen_port = {BRIDGE_PORT}
cert_file = "{c['cert']}"
key_file = "{c['key']}"
broker_host = "127.0.0.1"
broker_port = {TIER_PORT}
audit_seconds = 30"""}))
        for site in ("township", "county"):
            out = self.w / f"broker-{site}"
            (out / "persist").mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "gateway.cli", "mosquitto-config", "--config", str(self.conf[site]),
                            "--out", str(out), "--host", "127.0.0.1", "--port", str(TIER_PORT),
                            "--persistence", str(out / "persist"), "--run-as", "root"],
                           check=True, cwd=ROOT, capture_output=True, text=True)
            self.env[site] = {"HALLGW_MQTT_CREDENTIALS": str(out / "credentials.json")}
        self.env["village"] = {}

    def start(self) -> None:
        self.net.up()
        self.pg.start()
        for site in ("county", "township"):
            self.start_broker(site)

    # -- the parents' brokers ---------------------------------------------------------
    def start_broker(self, site: str) -> None:
        out = self.w / f"broker-{site}"
        with open(out / "mosquitto.log", "ab") as log:
            self.brokers[site] = subprocess.Popen(self.net.run_in(site) + [mosquitto_binary(), "-c",
                                                                             str(out / "mosquitto.conf")],
                                                  stdout=log, stderr=log)
        self.wait_port(site, TIER_PORT)

    def stop_broker(self, site: str) -> None:
        process.stop(self.brokers.get(site))
        self.brokers[site] = None

    def wait_port(self, site: str, port: int, timeout: float = 15.0) -> None:
        probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=0.5).close()"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if subprocess.run(self.net.run_in(site) + [sys.executable, "-c", probe], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the {site}'s broker did not listen on {port}")

    # -- the days ------------------------------------------------------------------------
    def start_days(self) -> None:
        for i, site in enumerate(reversed(SITES)):  # the county first: the others ship to it
            args = [sys.executable, "-m", "hil.cli", "day", "--config", str(self.conf[site]), "--hours",
                    repr(self.hours), "--speed", repr(self.speed), "--workdir", str(self.day_dir(site)),
                    "--seed", str(self.seed + i)] + (["--faults"] if self.faults else [])
            with open(self.w / f"day-{site}.log", "ab") as log:
                self.days[site] = subprocess.Popen(self.net.run_in(site) + args, stdout=log, stderr=subprocess.STDOUT,
                                                   cwd=ROOT, env=dict(os.environ, **self.env[site]))

    def day_log(self, site: str) -> str:
        p = self.w / f"day-{site}.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def gateway_clock(self, site: str) -> tuple[float, float, float] | None:
        """The site gateway's simulated clock (start, speed, real start) from its command line."""
        marker = str(self.day_dir(site) / "gateway")
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                argv = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            if "gateway.cli" in argv and marker in argv and "--clock-start" in argv:
                start, speed, real0 = (float(argv[argv.index(k) + 1])
                                       for k in ("--clock-start", "--clock-speed", "--clock-real-start"))
                return start, speed, real0
        return None

    def power_cut(self, site: str) -> None:
        p = self.days.get(site)
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGUSR1)

    # -- after the days: every gateway once more, to send what is still on its way ---------
    def drain(self) -> dict[str, subprocess.Popen]:
        out = {}
        for site in reversed(SITES):
            args = [sys.executable, "-m", "hil.tiers.drain", "--config", str(self.conf[site]), "--data-dir",
                    str(self.day_dir(site) / "gateway")]
            with open(self.w / f"drain-{site}.log", "ab") as log:
                out[site] = subprocess.Popen(self.net.run_in(site) + args, stdout=log, stderr=subprocess.STDOUT,
                                             cwd=ROOT, env=dict(os.environ, **self.env[site]))
        return out

    def close(self) -> None:
        for p in self.days.values():
            process.stop(p, grace=30)
        for site in list(self.brokers):
            self.stop_broker(site)
        self.pg.stop()
        self.net.down()
