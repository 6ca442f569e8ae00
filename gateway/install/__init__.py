"""Installing the gateway as services on a Debian / Raspberry Pi OS machine: the systemd
units (rendered here, from the hall file and the install's paths) and the sysusers entry.
`make install` runs deploy/install.sh, which calls `hallgw system-units`."""
