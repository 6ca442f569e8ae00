"""A secret of the gateway, found where an operator put it: an environment
variable, a systemd credential ($CREDENTIALS_DIRECTORY, under `make install`: root
keeps them in /etc/hall and only the service reads them), else a file in the data
directory made owner-only (0600) with a fresh random value on first use."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def write(path: Path, data: bytes, mode: int) -> None:
    """Replace path by data, created with mode (never briefly wider: a key, a password)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def load(data_dir: str | Path, env_name: str, file_name: str) -> tuple[str, str]:
    """(the secret, where it came from: never the secret itself)."""
    env = os.environ.get(env_name)
    if env:
        return env, f"environment variable {env_name}"
    creds = os.environ.get("CREDENTIALS_DIRECTORY")
    if creds and (Path(creds) / file_name).is_file():
        return (Path(creds) / file_name).read_text().strip(), f"systemd credential {file_name}"
    path = Path(data_dir) / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by another process in the meantime: read theirs
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip(), str(path)
