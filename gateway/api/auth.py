"""The API token for clerk actions: HALL_API_TOKEN, else data_dir/api_token (0600)."""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import Header, HTTPException


def load_token(data_dir: str | Path) -> tuple[str, str]:
    """(token, where it came from). Creates the token file on first run."""
    env = os.environ.get("HALL_API_TOKEN")
    if env:
        return env, "environment variable HALL_API_TOKEN"
    path = Path(data_dir) / "api_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip(), str(path)


def bearer(token: str):
    """A FastAPI dependency that lets a request through only with the right bearer token."""
    expected = token.encode()

    def check(authorization: str | None = Header(default=None)) -> None:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise HTTPException(401, "clerk actions need the header Authorization: Bearer <token>",
                                headers={"WWW-Authenticate": "Bearer"})
    return check
