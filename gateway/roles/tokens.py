"""Where the roles' tokens and the hall's page key are found (gateway/secretfile.py): an
environment variable, a systemd credential (under `make install`: root keeps them in
/etc/hall and only the service reads them), else a 0600 file in the data directory, made
with a fresh random value on first use.

Two tokens at least, so a clerk's pad or browser cannot review the 差评 about its own
service (the supervisor's); the kiosk and the hall screen hold their own, no clerk secret."""
from __future__ import annotations

from pathlib import Path

from gateway import secretfile
from gateway.roles.table import ROLES

PAGE_KEY = ("HALL_PAGE_KEY", "page_key")  # signs the pages' cookies; never leaves the gateway


def load_role_token(data_dir: str | Path, role: str) -> tuple[str, str]:
    """(the role's token, where it came from: never the token itself)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    r = ROLES[role]
    return secretfile.load(data_dir, r.env, r.file)


def load_token(data_dir: str | Path) -> tuple[str, str]:
    """(the clerk token, where it came from). Creates the token file on first run."""
    return load_role_token(data_dir, "clerk")


def load_supervisor_token(data_dir: str | Path) -> tuple[str, str]:
    """(the supervisor token, where it came from). Creates the token file on first run."""
    return load_role_token(data_dir, "supervisor")


def load_page_key(data_dir: str | Path) -> bytes:
    return secretfile.load(data_dir, *PAGE_KEY)[0].encode()
