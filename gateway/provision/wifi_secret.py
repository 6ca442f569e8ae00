"""The hall Wi-Fi's password for `hallctl`: typed at a prompt (no echo, twice), read from
a file only its owner may read (--wifi-password-file, mode 0600 or 0400), or, when stdin is
not a terminal, one line from it (a pipe from a password manager).

Never a command-line argument: every user of the machine sees a process's arguments in `ps`,
and the shell keeps them in its history."""
from __future__ import annotations

import getpass
import os
import stat
import sys
from collections.abc import Callable

WPA2_MIN, WPA2_MAX = 8, 64  # a WPA2 passphrase: 8 to 63 characters, or 64 hex digits (the PSK)
HELP = ("type it at the prompt, give --wifi-password-file FILE (mode 0600), or --open-wifi for a "
        "network without a password")


class SecretError(ValueError):
    pass


def checked(password: str) -> str:
    if not WPA2_MIN <= len(password) <= WPA2_MAX:
        raise SecretError(f"a Wi-Fi (WPA2) password has {WPA2_MIN} to {WPA2_MAX - 1} characters "
                          f"(or {WPA2_MAX} hex digits); this one has {len(password)}")
    if len(password) == WPA2_MAX and any(c not in "0123456789abcdefABCDEF" for c in password):
        raise SecretError(f"a {WPA2_MAX}-character Wi-Fi password must be hex digits (the PSK itself)")
    return password


def from_file(path: str) -> str:
    """The first line of path, which must be a regular file no one but its owner can read."""
    with open(path, encoding="utf-8") as f:
        st = os.fstat(f.fileno())   # of the file opened, not of whatever the name points at later
        if not stat.S_ISREG(st.st_mode):
            raise SecretError(f"{path} is not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            raise SecretError(f"{path} can be read by others (mode {mode:04o}): the Wi-Fi password file "
                              f"must be the owner's alone; chmod 600 {path}")
        lines = f.read().splitlines()
    return checked(lines[0] if lines else "")


def typed(ssid: str, stdin=None, ask: Callable[[str], str] = getpass.getpass) -> str:
    """At a terminal: asked twice without echo. Otherwise one line from stdin."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        line = stdin.readline()
        if not line.strip("\r\n"):
            raise SecretError(f"no Wi-Fi password on stdin: {HELP}")
        return checked(line.rstrip("\r\n"))
    first = ask(f"Wi-Fi 密码 (password of {ssid}): ")
    if not first:
        raise SecretError(f"no Wi-Fi password typed: {HELP}")
    if ask("再输一次 (again): ") != first:
        raise SecretError("the two passwords differ: nothing was written")
    return checked(first)
