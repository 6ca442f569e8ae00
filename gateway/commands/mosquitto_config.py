"""hallgw mosquitto-config --config FILE --out DIR: production broker files."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from gateway.broker import mosquitto_conf
from gateway.config import load_or_report


def register(sub) -> None:
    p = sub.add_parser("mosquitto-config", help="write mosquitto.conf, passwords and ACL for a hall")
    p.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
    p.add_argument("--out", required=True, metavar="DIR", help="directory for the generated files")
    p.add_argument("--host", help="listener address (default: the hall's broker.host)")
    p.add_argument("--port", type=int, help="listener port (default: the hall's broker.port)")
    p.add_argument("--device-host", metavar="ADDR",
                   help="the gateway's address on the hall Wi-Fi, written into credentials.json for "
                        "provisioning (default: the listener address when devices can reach it)")
    p.add_argument("--persistence", metavar="DIR", default="/var/lib/mosquitto",
                   help="Mosquitto persistence directory (default /var/lib/mosquitto)")
    p.add_argument("--run-as", metavar="USER",
                   help="user Mosquitto runs as when started by root (default: Mosquitto's own, 'mosquitto')")
    t = p.add_argument_group("TLS for the devices (default: the hall file's [broker] tls_port, plain, tls_names)")
    t.add_argument("--tls-port", type=int, metavar="N", help="the TLS listener's port (8883)")
    t.add_argument("--no-tls", action="store_true", help="no TLS listener (devices send passwords in clear)")
    t.add_argument("--no-plain", action="store_true", help="no plain listener: devices and the gateway use TLS")
    t.add_argument("--tls-name", action="append", metavar="NAME",
                   help="a name the server certificate carries, the first one the devices check "
                        "(default: this machine's host name); repeatable")
    p.set_defaults(func=run)


def run(args) -> int:
    hall = load_or_report(args.config)
    if hall is None:
        return 1
    try:
        files = mosquitto_conf.write(hall, Path(args.out), args.host, args.port, Path(args.persistence),
                                     args.run_as, args.device_host, 0 if args.no_tls else args.tls_port,
                                     False if args.no_plain else None,
                                     tuple(args.tls_name) if args.tls_name else None)
    except (ValueError, OSError) as e:
        print(f"mosquitto-config: {e}", file=sys.stderr)
        return 1
    print(f"{files.conf}\n{files.passwd}\n{files.acl}\n{files.credentials} (owner read-only: device passwords)")
    print(f"{len(hall.devices)} device credentials and one for the gateway; run: mosquitto -c {files.conf}")
    creds = json.loads(files.credentials.read_text())
    tls = creds["broker"].get("tls")
    if tls:
        print(f"TLS on port {tls['port']}: hall CA {tls['ca_pem']} (devices get {Path(tls['ca']).name} from "
              f"hallctl provision and check the name {tls['name']!r}); server key 0600")
    if creds["broker"]["port"] is None:
        print("no plain listener: the gateway connects over TLS too (hallgw run --mqtt-credentials)")
    if not creds["broker"]["host"]:
        print(f"note: devices cannot reach {args.host or hall.broker.host}; give --device-host (the gateway's "
              "address on the hall Wi-Fi), or --broker-host to hallctl when provisioning")
    return 0
