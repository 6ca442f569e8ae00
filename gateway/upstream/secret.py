"""The upstream secret: a file named in the hall file, readable by its owner only."""
from __future__ import annotations

import os
import stat
from pathlib import Path


class SecretError(Exception):
    pass


def read_secret(path: str | Path) -> str:
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SecretError(f"{p}: no such file (upstream.secret_file: put the secret the province issued there, "
                          "mode 0600)") from None
    except OSError as e:
        raise SecretError(f"{p}: cannot read ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise SecretError(f"{p}: not a regular file")
    if st.st_mode & 0o077:
        raise SecretError(f"{p}: mode {stat.S_IMODE(st.st_mode):04o} lets others read the secret: "
                          f"chmod 600 {p}")
    try:
        text = p.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise SecretError(f"{p}: cannot read ({e})") from None
    if not text:
        raise SecretError(f"{p}: is empty")
    return text


def write_secret(path: str | Path, secret: str) -> None:
    """Create (or replace) a secret file with mode 0600 from the start."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secret + "\n")
    os.replace(tmp, p)
