"""API tokens: clerk actions (HALL_API_TOKEN, else data_dir/api_token) and the supervisor's
差评 follow-up actions (HALL_SUPERVISOR_TOKEN, else data_dir/supervisor_token), files 0600.

Two tokens, so a clerk's pad or browser cannot review the 差评 about its own service.
"""
from __future__ import annotations

import hmac
from pathlib import Path

from fastapi import Header, HTTPException

from gateway import secretfile


def _load(data_dir: str | Path, env_name: str, file_name: str) -> tuple[str, str]:
    # Under systemd (make install) the tokens live root-only in /etc/hall and reach the service
    # alone as credentials (LoadCredential=api_token:/etc/hall/api_token, ...).
    return secretfile.load(data_dir, env_name, file_name)


def load_token(data_dir: str | Path) -> tuple[str, str]:
    """(clerk token, where it came from). Creates the token file on first run."""
    return _load(data_dir, "HALL_API_TOKEN", "api_token")


def load_supervisor_token(data_dir: str | Path) -> tuple[str, str]:
    """(supervisor token, where it came from). Creates the token file on first run."""
    return _load(data_dir, "HALL_SUPERVISOR_TOKEN", "supervisor_token")


ROLES = ("kiosk", "screen")  # the public faces' own credentials (pages, issue 13)


def load_role_token(data_dir: str | Path, role: str) -> tuple[str, str]:
    """(token of a page role, where it came from): HALL_<ROLE>_TOKEN, else
    data_dir/<role>_token (0600, made on first run). A hall screen or a kiosk holds
    its own token and no clerk secret."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    return _load(data_dir, f"HALL_{role.upper()}_TOKEN", f"{role}_token")


def bearer(token: str | None, what: str = "clerk actions"):
    """A FastAPI dependency that lets a request through only with the right bearer token
    (none at all when token is None)."""
    return bearer_any((token,), what)


def bearer_any(tokens, what: str):
    """As bearer, with any of several tokens (None entries are no token)."""
    expected = [t.encode() for t in tokens if t]

    def check(authorization: str | None = Header(default=None)) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        given_b = given.strip().encode()
        # Every token compared, so the time taken says nothing about which one nearly matched.
        ok = [hmac.compare_digest(given_b, e) for e in expected]
        if scheme.lower() != "bearer" or not any(ok):
            raise HTTPException(401, f"{what} need the header Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
    return check
