"""The systemd units, as pure functions of the install's paths and the hall file.

hall-gateway.service: Type=notify with WatchdogSec (the gateway pings after each round trip
through its own /healthz: a hung gateway is killed and restarted), Restart=on-failure, the
tokens handed over as systemd credentials (root-only files in /etc/hall, readable by the
service alone), writable only /var/lib/hall and the backup folder, no privileges, logs to
journald at a bounded rate (and the journal bounded on disk by a drop-in, journald_dropin()),
4096 open files (LimitNOFILE; docs/OPERATING.md "Connections and logs"). hall-mosquitto.service: the Mosquitto that `hallgw mosquitto-config` wrote, for a
hall file with [broker] embedded = false (it takes the place of Debian's mosquitto.service)."""
from __future__ import annotations

from dataclasses import dataclass

TOKENS = ("api_token", "supervisor_token", "kiosk_token", "screen_token")
GATEWAY = "hall-gateway.service"
MOSQUITTO = "hall-mosquitto.service"
USER = "hall"
# Groups the gateway's user joins: GPIO and SPI (status LED, call buttons, the LED panel), ALSA
# (the call-number speaker), serial (a USB or serial receipt printer). sysusers creates the
# ones a plain Debian machine lacks.
GROUPS = ("gpio", "spi", "audio", "dialout", "plugdev")


# Open files: the gateway's HTTP table stays under 1024 by itself (gateway/api/connections.py:
# paho's select() cannot go higher); the rest is room so that, whatever else holds descriptors (a
# flood on the embedded broker, a leak), the store, the reports' database and the log still open.
# Four times the default, and each idle descriptor costs the kernel well under a kilobyte.
NOFILE = 4096
# The journal's share of the gateway's lines: a healthy hall writes a few a minute; past 1000 in
# 30 s journald drops the rest and says how many (the gateway's own repeat filter comes first).
LOG_RATE = ("30s", 1000)


@dataclass(frozen=True)
class Paths:
    app: str = "/opt/hall"          # the venv with the gateway
    etc: str = "/etc/hall"          # hall file, tokens, gateway.env, mosquitto/
    state: str = "/var/lib/hall"    # the store
    backups: str = "/var/backups/hall"
    watchdog_seconds: int = 30


HARDENING = """NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
UMask=0077
"""


def gateway_unit(p: Paths, embedded_broker: bool) -> str:
    broker = "" if embedded_broker else f" {MOSQUITTO}"
    creds = "".join(f"LoadCredential={t}:{p.etc}/{t}\n" for t in TOKENS)
    mqtt = "" if embedded_broker else (f"LoadCredential=mqtt_credentials:{p.etc}/mosquitto/credentials.json\n")
    mqtt_arg = "" if embedded_broker else " --mqtt-credentials ${CREDENTIALS_DIRECTORY}/mqtt_credentials"
    return f"""[Unit]
Description=Hall edge controller gateway (queue engine, store, API, devices)
Documentation=file:{p.app}/share/doc/hall/docs/OPERATING.md file:{p.app}/share/doc/hall/README.md
After=network-online.target time-sync.target{broker}
Wants=network-online.target{broker}
StartLimitIntervalSec=600
StartLimitBurst=10

[Service]
Type=notify
NotifyAccess=main
User={USER}
Group={USER}
WorkingDirectory={p.state}
StateDirectory={p.state.removeprefix("/var/lib/")}
StateDirectoryMode=0750
ReadWritePaths=-{p.backups}
Environment=HOME={p.state} HALLGW_VOICE_DIR={p.app}/share/voice PYTHONUNBUFFERED=1
EnvironmentFile=-{p.etc}/gateway.env
{creds}{mqtt}ExecStart={p.app}/bin/hallgw run --config {p.etc}/hall.toml --data-dir {p.state} \\
    --listen 0.0.0.0 --backup-dir {p.backups}{mqtt_arg} $HALLGW_OPTIONS
Restart=on-failure
RestartSec=5
WatchdogSec={p.watchdog_seconds}
TimeoutStartSec=180
TimeoutStopSec=30
SyslogIdentifier=hallgw
LogRateLimitIntervalSec={LOG_RATE[0]}
LogRateLimitBurst={LOG_RATE[1]}
LimitNOFILE={NOFILE}
# Network: TCP for the API, MQTT and the printer; UNIX for the notify socket; NETLINK for
# the addresses of its own interfaces.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
# GPIO, SPI, ALSA and serial devices only (and the standard pseudo devices).
DevicePolicy=closed
DeviceAllow=/dev/gpiomem rw
DeviceAllow=char-gpiochip rw
DeviceAllow=char-spi rw
DeviceAllow=char-alsa rw
DeviceAllow=char-ttyUSB rw
DeviceAllow=char-ttyS rw
DeviceAllow=char-usb_device rw
{HARDENING}
[Install]
WantedBy=multi-user.target
"""


def mosquitto_unit(p: Paths) -> str:
    return f"""[Unit]
Description=Hall MQTT broker (Mosquitto with the hall's per-device logins and ACL)
Documentation=man:mosquitto(8)
After=network-online.target
Wants=network-online.target
Conflicts=mosquitto.service

[Service]
Type=notify
NotifyAccess=main
User=mosquitto
ExecStart=/usr/sbin/mosquitto -c {p.etc}/mosquitto/mosquitto.conf
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5
StateDirectory=hall-mosquitto
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
PrivateDevices=yes
{HARDENING}
[Install]
WantedBy=multi-user.target
"""


def journald_dropin() -> str:
    """The journal on a Pi's SD card: bounded in all (a flood that gets past the gateway's repeat
    filter and the unit's rate limit fills no card), never taking the store's last free space."""
    return """# make install (hall edge gateway): the journal on an SD card, bounded. docs/OPERATING.md
# "Connections and logs". An /etc/systemd/journald.conf.d/ file of the same name takes its place.
[Journal]
SystemMaxUse=200M
SystemKeepFree=1G
SystemMaxFileSize=20M
RuntimeMaxUse=32M
"""


def sysusers(p: Paths) -> str:
    lines = [f'u {USER} - "Hall edge controller gateway" {p.state} /usr/sbin/nologin']
    lines += [f"m {USER} {g}" for g in GROUPS]
    return "\n".join(lines) + "\n"


def units(p: Paths, embedded_broker: bool) -> dict[str, str]:
    out = {GATEWAY: gateway_unit(p, embedded_broker)}
    if not embedded_broker:
        out[MOSQUITTO] = mosquitto_unit(p)
    return out
