#!/usr/bin/env bash
# make uninstall: remove what `make install` added (its list in $APPDIR/installed-files).
# Kept: the store and backups ($STATEDIR, $BACKUPDIR), the hall file and secrets ($ETCDIR),
# and the user hall who owns them. Remove those by hand to purge.
set -euo pipefail
D="${DESTDIR:-}"
APPDIR="${APPDIR:-/opt/hall}" ETCDIR="${ETCDIR:-/etc/hall}" STATEDIR="${STATEDIR:-/var/lib/hall}"
BACKUPDIR="${BACKUPDIR:-/var/backups/hall}"
if [ -z "$D" ] && [ "$(id -u)" != 0 ]; then echo "make uninstall needs root" >&2; exit 1; fi
list="$D$APPDIR/installed-files"
if [ ! -e "$list" ]; then echo "uninstall: nothing installed in $D$APPDIR" >&2; exit 1; fi
if [ -z "$D" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now hall-gateway.service hall-mosquitto.service 2>/dev/null || true
fi
mapfile -t added < "$list"
for p in "${added[@]}"; do
  case "$p" in /*) ;; *) echo "uninstall: skipping odd entry $p" >&2; continue ;; esac
  if [ "$p" = "$APPDIR" ]; then continue; fi
  rm -f "$D$p"
done
case "$APPDIR" in /?*) rm -rf -- "$D$APPDIR" ;; *) echo "uninstall: odd APPDIR $APPDIR" >&2; exit 1 ;; esac
if [ -z "$D" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl try-restart systemd-journald.service  # without the journal's drop-in
fi
echo "uninstall: removed the gateway; kept $STATEDIR, $BACKUPDIR and $ETCDIR (store, backups, hall file, secrets)"
