"""`hallctl`: the maintainer's tool for devices on a serial line.

The hall Wi-Fi's password is never an argument (gateway/provision/wifi_secret.py): it is typed
at a prompt, read from an owner-only file (--wifi-password-file), or piped in on stdin."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gateway.config import load_or_report
from gateway.provision import micropython, wifi_secret
from gateway.provision.device_config import ProvisionError, device_config, files_for
from gateway.provision.flash import FlashError, provision


def parser() -> argparse.ArgumentParser:
    # allow_abbrev=False: "--wifi-password X" must never be taken for --wifi-password-file X.
    p = argparse.ArgumentParser(prog="hallctl", description="provision hall devices over serial",
                                allow_abbrev=False)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, helptext in (("device-config", "print the config.json a device would get"),
                           ("provision", "write the firmware and config.json to a device over serial")):
        c = sub.add_parser(name, help=helptext, allow_abbrev=False)
        c.add_argument("--config", required=True, metavar="FILE", help="hall TOML file")
        c.add_argument("--device", required=True, metavar="ID", help="device id from the hall file")
        c.add_argument("--wifi-ssid", required=True)
        pw = c.add_mutually_exclusive_group()
        pw.add_argument("--wifi-password-file", metavar="FILE",
                        help="the Wi-Fi password, first line of FILE (mode 0600; default: asked at the prompt, "
                             "or one line on stdin when it is not a terminal)")
        pw.add_argument("--open-wifi", action="store_true", help="the hall Wi-Fi has no password")
        pw.add_argument("--wifi-password", nargs="?", const="", default=None, help=argparse.SUPPRESS)
        c.add_argument("--broker-host", help="default: credentials file, else the hall's broker.host")
        c.add_argument("--broker-port", type=int)
        c.add_argument("--credentials", metavar="FILE",
                       help="credentials.json from `hallgw mosquitto-config` (the device's MQTT login, and "
                            "TLS: its port, the hall CA the device gets and the name it checks)")
        c.add_argument("--no-tls", action="store_true",
                       help="the plain port even where the credentials offer TLS")
        if name == "provision":
            c.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
            c.add_argument("--reset", action="store_true", help="reset the device afterwards")
    m = sub.add_parser("flash-micropython", help="write MicroPython itself onto a blank ESP32 with esptool")
    m.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    m.add_argument("--images", metavar="DIR", help="folder of micropython.org images with a SHA256SUMS file")
    m.add_argument("--image", metavar="FILE", help="this image (with --chip) instead of choosing from --images")
    m.add_argument("--chip", choices=sorted(micropython.BOARDS), help="default: as esptool detects it")
    m.add_argument("--variant", help="e.g. SPIRAM (default: the plain image; the firmware needs no PSRAM)")
    m.add_argument("--version", help="e.g. 1.25.0 (default: the newest in the folder)")
    m.add_argument("--sha256", help="the image's expected hash (default: from SHA256SUMS beside it)")
    m.add_argument("--no-erase", action="store_true", help="write over the flash without erasing it first")
    m.add_argument("--baud", type=int, default=micropython.BAUD)
    m.add_argument("--connect-attempts", type=int, default=7)
    return p


def flash_micropython(args) -> int:
    try:
        img = micropython.flash(args.port, Path(args.images) if args.images else None,
                                Path(args.image) if args.image else None, args.chip, args.variant, args.version,
                                args.sha256, not args.no_erase, args.baud, args.connect_attempts)
    except (OSError, FlashError) as e:
        print(f"hallctl: {e}", file=sys.stderr)
        return 1
    print(f"hallctl: MicroPython {'.'.join(map(str, img.version))} ({img.path.name}) written and verified on "
          f"{args.port}; now `hallctl provision` it")
    return 0


def wifi_password(args) -> str:
    if args.open_wifi:
        return ""
    if args.wifi_password_file:
        return wifi_secret.from_file(args.wifi_password_file)
    return wifi_secret.typed(args.wifi_ssid)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "flash-micropython":
        return flash_micropython(args)
    if args.wifi_password is not None:   # its value is never echoed
        print("hallctl: --wifi-password is no longer taken: an argument shows in `ps` and stays in the "
              f"shell's history; {wifi_secret.HELP}", file=sys.stderr)
        return 2
    hall = load_or_report(args.config)
    if hall is None:
        return 2
    try:
        creds = json.loads(Path(args.credentials).read_text()) if args.credentials else None
        # Everything else is checked first, so nobody types the password for a device id that is wrong.
        cfg = device_config(hall, args.device, args.wifi_ssid, "", args.broker_host, args.broker_port, creds,
                            tls=not args.no_tls)
        extra = files_for(cfg, creds)
        cfg["wifi_password"] = wifi_password(args)
        if args.command == "device-config":
            print(json.dumps(cfg, ensure_ascii=False, indent=2))
            return 0
        provision(args.port, cfg, reset=args.reset, extra=extra)
    except (OSError, json.JSONDecodeError, ProvisionError, FlashError, wifi_secret.SecretError) as e:
        print(f"hallctl: {e}", file=sys.stderr)
        return 1
    print(f"hallctl: {args.device} ({cfg['role']}, window {cfg['window']}) provisioned on {args.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
