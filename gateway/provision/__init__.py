"""Provisioning a device over its serial line: config.json and the firmware."""
