"""Mosquitto password-file entries, made the way mosquitto_passwd makes them
(PBKDF2-SHA512, format $7$iterations$salt$hash), so no external tool is
needed, and generated credentials for devices and the gateway."""
from __future__ import annotations

import base64
import hashlib
import os
import secrets

ITERATIONS = 101  # mosquitto_passwd's default; the passwords are random, not words
SALT_BYTES = 12
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I: read off a label


def new_password(length: int = 20) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def hash_entry(username: str, password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    if ":" in username or "\n" in username:
        raise ValueError(f"user name {username!r} cannot go in a password file")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    b64 = base64.b64encode
    return f"{username}:$7${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def verify(entry: str, password: str) -> bool:
    _, rest = entry.split(":", 1)
    _, kind, iterations, salt, digest = rest.split("$")
    if kind != "7":
        raise ValueError("only $7$ (PBKDF2-SHA512) entries are understood")
    calc = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(iterations))
    return secrets.compare_digest(calc, base64.b64decode(digest))
