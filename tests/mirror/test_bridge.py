"""`hallgw mosquitto-config` for the tiers: the village's Mosquitto bridges to the
county's over TLS (QoS 1 mirror topics, cleansession false, stable client ids), the
county's broker takes each child's login with its own topics only; records shipped
through the bridge reach the county's PostgreSQL, also across a restart of the
county's broker."""
from __future__ import annotations

import getpass
import json

from gateway.cli import main
from hil.services import certs
from tests.mirror.tiers import Site, county_rows, hall_text, mirror_section, reset_county, wait_until
from tests.support.mosquitto import Mosquitto, free_port


def config(tmp_path, name, tier, extra, port):
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(hall_text(name, tier, extra))
    out = tmp_path / f"{name}-broker"
    (tmp_path / f"{name}-persist").mkdir()
    assert main(["mosquitto-config", "--config", str(cfg), "--out", str(out), "--host", "127.0.0.1",
                 "--port", str(port), "--persistence", str(tmp_path / f"{name}-persist"),
                 "--run-as", getpass.getuser(), "--no-tls"]) == 0  # two brokers here: not both on 8883
    return cfg, out


def test_village_bridges_to_the_county_over_tls(tmp_path, pg):
    reset_county(pg)
    tls = certs.make(tmp_path / "tls", ["127.0.0.1"])
    secret = tmp_path / "village.secret"
    secret.write_text("bridge-secret-of-the-village\n")
    secret.chmod(0o600)
    cport, vport, lport = free_port(), free_port(), free_port()
    _, cout = config(tmp_path, "county-b", "county",
                     mirror_section([], pg.dsn).replace("children = []", f'children = [{{ id = "village-b", '
                                                                       f'password_file = "{secret}" }}]')
                     + f'listen_host = "127.0.0.1"\nlisten_port = {lport}\n'
                       f'cert_file = "{tls["cert"]}"\nkey_file = "{tls["key"]}"\n', cport)
    _, vout = config(tmp_path, "village-b", "village",
                     f'[parent]\nid = "county-b"\nhost = "127.0.0.1"\nport = {lport}\ntransport = "bridge"\n'
                     f'tls = true\nca_file = "{tls["ca"]}"\npassword_file = "{secret}"\nack_timeout_seconds = 2\n',
                     vport)
    conf = (vout / "mosquitto.conf").read_text()
    for line in ("cleansession false", "remote_clientid hall-village-b-bridge", "bridge_protocol_version mqttv311",
                 "topic hall/county-b/mirror/village-b/up out 1", "topic hall/county-b/mirror/village-b/down in 1",
                 f"bridge_cafile {tls['ca']}", "persistence true", "set_tcp_nodelay true"):
        assert line in conf, line
    acl = (cout / "acl").read_text()
    assert "user village-b\ntopic write hall/county-b/mirror/village-b/up\ntopic read hall/county-b/mirror/village-b/down" in acl
    with Mosquitto(tmp_path / "crun", port=cport, conf=cout / "mosquitto.conf") as cb, \
            Mosquitto(tmp_path / "vrun", port=vport, conf=vout / "mosquitto.conf"):
        county = village = None
        try:
            county = Site(hall_text("county-b", "county", mirror_section(["village-b"], pg.dsn)), tmp_path / "c",
                          cport, json.loads((cout / "credentials.json").read_text())["gateway"])
            vtext = (tmp_path / "village-b.toml").read_text()
            village = Site(vtext, tmp_path / "v", vport, json.loads((vout / "credentials.json").read_text())["gateway"])
            for _ in range(30):
                village.submit({"type": "issue_ticket", "service": "ZH"})
            wait_until(lambda: county_rows(pg, "village-b") == village.rows(), timeout=60, what="records via bridge")
            cb.restart(0.5)  # the county's broker restarts: the bridge reconnects, the shipper resends
            for _ in range(30):
                village.submit({"type": "issue_ticket", "service": "ZX"})
            wait_until(lambda: county_rows(pg, "village-b") == village.rows(), timeout=90, what="records after")
        finally:
            for s in (village, county):
                if s is not None:
                    s.close()
