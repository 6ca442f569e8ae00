#!/usr/bin/env bash
# make install: the gateway as services on a Debian / Raspberry Pi OS machine (see
# docs/OPERATING.md "Installing on a Pi"). DESTDIR stages everything under another root (no
# users, no systemctl).
# Every path this adds is listed in $APPDIR/installed-files, which `make uninstall` reads.
set -euo pipefail
D="${DESTDIR:-}"
APPDIR="${APPDIR:-/opt/hall}" ETCDIR="${ETCDIR:-/etc/hall}" STATEDIR="${STATEDIR:-/var/lib/hall}"
BACKUPDIR="${BACKUPDIR:-/var/backups/hall}" UNITDIR="${UNITDIR:-/lib/systemd/system}"
SYSUSERSDIR="${SYSUSERSDIR:-/usr/lib/sysusers.d}" BINDIR="${BINDIR:-/usr/local/bin}"
JOURNALDIR="${JOURNALDIR:-/usr/lib/systemd/journald.conf.d}"
HALL_FILE="${HALL_FILE:-hall_config/village.toml}" PYTHON="${PYTHON:-python3}"
cd "$(dirname "$0")/.."
if [ -z "$D" ] && [ "$(id -u)" != 0 ]; then echo "make install needs root (or DESTDIR=… to stage)" >&2; exit 1; fi
say() { echo "install: $*"; }
added=()

# The gateway in a venv of its own, pinned as the checkout pins it: the wheel holds the gateway, the
# wire contract and the firmware hallctl flashes; never hil/, bench/, the tests or their packages
# (the `hil` and `test` extras). A build/ left by an older build would ship its files again: gone first.
"$PYTHON" -m venv --clear "$D$APPDIR"
"$D$APPDIR/bin/pip" install -q --disable-pip-version-check --no-deps -r requirements.lock
rm -rf build
"$D$APPDIR/bin/pip" install -q --disable-pip-version-check --no-deps .
install -D -m 0644 README.md "$D$APPDIR/share/doc/hall/README.md"
install -D -m 0644 -t "$D$APPDIR/share/doc/hall/docs" docs/*.md
HALLGW_VOICE_DIR="$D$APPDIR/share/voice" "$D$APPDIR/bin/hallgw" voice build >/dev/null
say "gateway in $APPDIR ($("$D$APPDIR/bin/python" -c 'import importlib.metadata as m; print(m.version("hall-edge"))'))"
added+=("$APPDIR")
install -d "$D$BINDIR"
for cmd in hallgw hallctl; do
  ln -sfn "$APPDIR/bin/$cmd" "$D$BINDIR/$cmd"
  added+=("$BINDIR/$cmd")
done

# /etc/hall: the hall file and the secrets. Never overwritten: they are the county's now.
install -d -m 0750 "$D$ETCDIR"
if [ ! -e "$D$ETCDIR/hall.toml" ]; then
  install -m 0640 "$HALL_FILE" "$D$ETCDIR/hall.toml"
  say "hall file $ETCDIR/hall.toml (from $HALL_FILE): edit it, then systemctl restart hall-gateway"
fi
"$D$APPDIR/bin/hallgw" config check "$D$ETCDIR/hall.toml" >/dev/null
for t in api_token supervisor_token kiosk_token screen_token; do
  if [ ! -e "$D$ETCDIR/$t" ]; then
    (umask 077; "$D$APPDIR/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' > "$D$ETCDIR/$t")
  fi
done
if [ ! -e "$D$ETCDIR/gateway.env" ]; then
  cat > "$D$ETCDIR/gateway.env" <<'ENV'
# Options for `hallgw run` (systemctl restart hall-gateway after a change), e.g.
#   HALLGW_OPTIONS=--http-port 8080 --backup-every-hours 24 --backup-keep-days 14
HALLGW_OPTIONS=
ENV
  chmod 0640 "$D$ETCDIR/gateway.env"
fi
install -d -m 0750 "$D$STATEDIR" "$D$BACKUPDIR"

# The units (and the Mosquitto files when the hall file uses a production broker).
"$D$APPDIR/bin/hallgw" system-units --config "$D$ETCDIR/hall.toml" --out "$D$UNITDIR" \
    --sysusers "$D$SYSUSERSDIR/hall.conf" --journald "$D$JOURNALDIR/hall.conf" --app "$APPDIR" --etc "$ETCDIR" \
    --state "$STATEDIR" --backups "$BACKUPDIR" >/dev/null
added+=("$SYSUSERSDIR/hall.conf" "$JOURNALDIR/hall.conf" "$UNITDIR/hall-gateway.service")
embedded=$("$D$APPDIR/bin/python" -c 'import sys; from gateway.config import load_file; print(load_file(sys.argv[1]).broker.embedded)' "$D$ETCDIR/hall.toml")
if [ "$embedded" = False ]; then
  "$D$APPDIR/bin/hallgw" mosquitto-config --config "$D$ETCDIR/hall.toml" --out "$D$ETCDIR/mosquitto" \
      --persistence "$D/var/lib/hall-mosquitto" >/dev/null
  # Staged (DESTDIR): the files name the paths they will have on the target, not here.
  # sed -i keeps each file's mode and owner (credentials.json stays 0600).
  [ -z "$D" ] || sed -i "s|$D/|/|g" "$D$ETCDIR/mosquitto/mosquitto.conf" "$D$ETCDIR/mosquitto/credentials.json"
  added+=("$UNITDIR/hall-mosquitto.service")
  say "production broker: $ETCDIR/mosquitto (device logins in credentials.json: hallctl provision --credentials)"
fi
printf '%s\n' "${added[@]}" > "$D$APPDIR/installed-files"

if [ -n "$D" ]; then say "staged in $D"; exit 0; fi
systemd-sysusers "$SYSUSERSDIR/hall.conf"
chown root:hall "$ETCDIR" "$ETCDIR/hall.toml" "$ETCDIR/gateway.env"
chown hall:hall "$STATEDIR" "$BACKUPDIR"
# The upstream secret is read by the gateway itself (the hall file names it): owner hall, 0600.
secret=$("$APPDIR/bin/python" -c 'import sys; from gateway.config import load_file; u = load_file(sys.argv[1]).upstream; print(u.secret_file if u.enabled else "")' "$ETCDIR/hall.toml")
if [ -n "$secret" ] && [ -e "$secret" ]; then chown hall:hall "$secret"; chmod 0600 "$secret"; fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl try-restart systemd-journald.service  # it reads its drop-ins at start only
  if [ "$embedded" = False ]; then
    systemctl disable --now mosquitto.service 2>/dev/null || true
    systemctl enable --now hall-mosquitto.service
  fi
  systemctl enable hall-gateway.service
  systemctl restart hall-gateway.service
  say "running: systemctl status hall-gateway; journalctl -u hall-gateway -f; curl localhost:8080/healthz"
else
  say "systemd is not running here: the units are installed; start hall-gateway when it is"
fi
