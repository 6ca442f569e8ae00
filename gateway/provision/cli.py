"""`hallctl`: the maintainer's tool for devices on a serial line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gateway.config import load_or_report
from gateway.provision.device_config import ProvisionError, device_config
from gateway.provision.flash import FlashError, provision


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hallctl", description="provision hall devices over serial")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, helptext in (("device-config", "print the config.json a device would get"),
                           ("provision", "write the firmware and config.json to a device over serial")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
        c.add_argument("--device", required=True, metavar="ID", help="device id from the hall file")
        c.add_argument("--wifi-ssid", required=True)
        c.add_argument("--wifi-password", default="")
        c.add_argument("--broker-host", help="default: credentials file, else the hall's broker.host")
        c.add_argument("--broker-port", type=int)
        c.add_argument("--credentials", metavar="FILE",
                       help="credentials.json from `hallgw mosquitto-config` (the device's MQTT login)")
        if name == "provision":
            c.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
            c.add_argument("--reset", action="store_true", help="reset the device afterwards")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    hall = load_or_report(args.config)
    if hall is None:
        return 2
    try:
        creds = json.loads(Path(args.credentials).read_text()) if args.credentials else None
        cfg = device_config(hall, args.device, args.wifi_ssid, args.wifi_password,
                            args.broker_host, args.broker_port, creds)
        if args.command == "device-config":
            print(json.dumps(cfg, ensure_ascii=False, indent=2))
            return 0
        provision(args.port, cfg, reset=args.reset)
    except (OSError, json.JSONDecodeError, ProvisionError, FlashError) as e:
        print(f"hallctl: {e}", file=sys.stderr)
        return 1
    print(f"hallctl: {args.device} ({cfg['role']}, window {cfg['window']}) provisioned on {args.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
