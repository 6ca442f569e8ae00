"""A real small filesystem for the full-disk tests: a tmpfs of a few MB mounted for the test (the
suite runs as root, CI too: a mount that fails fails the test), and ballast that fills it to a
given free space, or to the last byte, and gives the room back.

    with small_disk(tmp_path / "disk", "4m") as disk:
        ballast = Ballast(disk)
        ballast.fill()          # full: the next write that needs a block gets ENOSPC
        ballast.fill(leave=MB)  # about 1 MB left
        ballast.empty()         # the room is back
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from pathlib import Path

MB = 1024 * 1024


@contextlib.contextmanager
def small_disk(path: Path, size: str = "4m"):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], check=True,
                   capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=False, capture_output=True)


class Ballast:
    """One file on the disk that takes up what the test says."""

    def __init__(self, disk: Path):
        self.path = disk / "ballast"

    def free(self) -> int:
        return shutil.disk_usage(self.path.parent).free

    def fill(self, leave: int = 0) -> int:
        """Grow the ballast until about `leave` bytes are free (0: until the disk refuses a byte).
        -> the bytes free after."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if leave:
                want = self.free() - leave
                while want > 0:
                    want -= os.write(fd, b"\0" * min(want, MB))
            else:
                for chunk in (MB, 4096, 1):
                    try:
                        while True:
                            os.write(fd, b"\0" * chunk)
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
        finally:
            os.close(fd)
        return self.free()

    def empty(self) -> None:
        self.path.unlink(missing_ok=True)
