"""A page's cookie: "<issued>.<mac>", the mac an HMAC-SHA256 with the hall's page key over
the role, the time it was issued and the role's token. Never the token itself: a stolen
cookie opens one role's page on this gateway until it expires, and nothing else.

The role is in the mac, so a cookie of one role is no cookie of another; the token is in it,
so changing a role's token ends every page signed in with the old one; changing the page key
ends them all. Checked in constant time (hmac.compare_digest), the mac before the age, so a
forged cookie is told "invalid" whatever time it claims."""
from __future__ import annotations

import base64
import hashlib
import hmac

EXPIRED, INVALID = "expired", "invalid"
SKEW_S = 300  # a clock a little behind the one that issued the cookie is no forgery


def _mac(key: bytes, role: str, issued: int, token: str) -> str:
    digest = hmac.new(key, f"hall-page\n{role}\n{issued}\n{token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, role: str, token: str, issued: int) -> str:
    return f"{issued}.{_mac(key, role, issued, token)}"


def problem(key: bytes, role: str, token: str | None, value: str, now: float, lifetime_s: int) -> str | None:
    """None for a good cookie of this role, else EXPIRED or INVALID."""
    issued, dot, _ = value.partition(".")
    if not token or not dot or not issued.isdigit() or len(issued) > 12:
        return INVALID
    if not hmac.compare_digest(value.encode(), sign(key, role, token, int(issued)).encode()):
        return INVALID
    age = now - int(issued)
    if age < -SKEW_S:
        return INVALID
    return EXPIRED if age >= lifetime_s else None
